"""/account/profile: a member edits their name, text about them, language and time zone; the
pages follow (language, times in their zone); a bad value is refused beside its field with
everything typed kept, and nothing of the form saved."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import select

from models import Member

from .conftest import Browser, add_member, logged_in
from .test_refused_forms import HTML, input_value, send, textarea


@pytest.fixture
async def alice(in_process_city: Callable[..., Any]) -> AsyncIterator[tuple[Any, Browser]]:
    app, _, _ = in_process_city()
    add_member(app, "alice")
    browser = await logged_in(app, "alice")
    yield app, browser
    await browser.client.aclose()


def stored(app: Any) -> Member:
    return app.state.city.db.read_sync(
        lambda s: s.scalar(select(Member).where(Member.username == "alice"))
    )


async def test_a_member_edits_name_text_language_and_time_zone(alice: Any) -> None:
    app, browser = alice
    saved = await send(
        browser,
        "/account/profile",
        "/account/profile",
        display_name="Alice Martin",
        note="I fix bikes.",
        language="fr",
        time_zone="America/Montreal",
    )
    assert saved.status_code == 303
    member = stored(app)
    assert (member.display_name, member.language, member.time_zone) == (
        "Alice Martin",
        "fr",
        "America/Montreal",
    )
    assert "I fix bikes." in member.summary
    page = (await browser.client.get("/account/profile")).text
    assert '<html lang="fr">' in page and "Mon profil" in page
    assert textarea(page, "note") == "I fix bikes."
    public = (await browser.client.get("/@alice")).text
    assert "Alice Martin" in public and "I fix bikes." in public


async def test_times_are_shown_in_the_members_time_zone(alice: Any) -> None:
    app, browser = alice
    await send(browser, "/account/profile", "/account/profile", time_zone="Asia/Tokyo")
    sessions = (await browser.client.get("/account/sessions")).text  # lists when she logged in
    assert " JST" in sessions and " UTC" not in sessions


async def test_a_bad_time_zone_is_refused_beside_it_and_nothing_is_saved(alice: Any) -> None:
    app, browser = alice
    refused = await send(
        browser,
        "/account/profile",
        "/account/profile",
        display_name="New name",
        time_zone="Mars/Olympus",
    )
    assert refused.status_code == 400 and 'id="profile-time_zone-error"' in refused.text
    assert input_value(refused.text, "display_name") == "New name"
    assert input_value(refused.text, "time_zone") == "Mars/Olympus"
    assert stored(app).display_name == "alice" and stored(app).time_zone is None


async def test_a_name_too_long_is_refused_in_french_beside_it(alice: Any) -> None:
    app, browser = alice
    await send(browser, "/account/profile", "/account/profile", language="fr")
    token = await browser.form_token("/account/profile")
    refused = await browser.client.post(
        "/account/profile",
        data={"csrf_token": token, "display_name": "x" * 101, "language": "fr"},
        headers=HTML,
    )
    assert refused.status_code == 422 and 'id="profile-display_name-error"' in refused.text
    assert "100 caractères" in refused.text
