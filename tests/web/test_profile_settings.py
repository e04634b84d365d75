"""/account/profile: a member edits their name, text about them, language and time zone; the
pages follow (language, times in their zone); a bad value is refused beside its field with
everything typed kept, and nothing of the form saved."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import select

from models import Member

from ..listings.conftest import image_bytes
from .conftest import Browser, add_member, logged_in
from .test_refused_forms import HTML, input_value, send, textarea

ACTIVITY = {"Accept": "application/activity+json"}


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


async def _send_avatar(browser: Browser, data: bytes, **fields: str) -> Any:
    token = await browser.form_token("/account/profile")
    return await browser.client.post(
        "/account/profile",
        data={"csrf_token": token, **fields},
        files={"avatar": ("me.png", data, "image/png")},
        headers=HTML,
    )


async def test_an_avatar_shows_on_the_profile_and_the_actor_until_removed(alice: Any) -> None:
    app, browser = alice
    saved = await _send_avatar(browser, image_bytes(size=(64, 64)), display_name="Alice")
    assert saved.status_code == 303
    name = stored(app).avatar
    assert name and name.endswith(".png")
    url = app.state.city.urls.media(name)
    assert f'src="{url}"' in (await browser.client.get("/account/profile")).text
    assert f'src="{url}"' in (await browser.client.get("/@alice")).text  # the public profile
    actor = (await browser.client.get("/users/alice", headers=ACTIVITY)).json()
    assert actor["icon"] == {"type": "Image", "mediaType": "image/png", "url": url}
    served = await browser.client.get(f"/media/{name}")
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    removed = await send(browser, "/account/profile", "/account/profile", remove_avatar="on")
    assert removed.status_code == 303 and stored(app).avatar is None
    actor = (await browser.client.get("/users/alice", headers=ACTIVITY)).json()
    assert actor["icon"]["url"].endswith("/static/avatar.svg")
    assert (await browser.client.get(f"/media/{name}")).status_code == 404


async def test_a_file_that_is_not_an_image_is_refused_in_french_and_nothing_is_saved(
    alice: Any,
) -> None:
    app, browser = alice
    await send(browser, "/account/profile", "/account/profile", display_name="A", language="fr")
    refused = await _send_avatar(browser, b"%PDF-1.4 not a picture", display_name="Nouveau")
    assert refused.status_code == 400 and 'id="profile-avatar-error"' in refused.text
    assert "Ce fichier n’est pas une image que ce site sait lire." in refused.text
    assert input_value(refused.text, "display_name") == "Nouveau"
    member = stored(app)
    assert member.avatar is None and member.display_name == "A"


async def test_profile_fields_are_edited_on_the_page_and_shown_on_the_profile(alice: Any) -> None:
    app, browser = alice
    saved = await send(
        browser,
        "/account/profile",
        "/account/profile",
        field_name_0="Website",
        field_value_0="https://alice.example",
        field_name_1="Quartier",
        field_value_1="Croix-Rousse",
    )
    assert saved.status_code == 303
    assert stored(app).fields == [
        {"name": "Website", "value": "https://alice.example"},
        {"name": "Quartier", "value": "Croix-Rousse"},
    ]
    page = (await browser.client.get("/account/profile")).text
    assert input_value(page, "field_value_1") == "Croix-Rousse"
    public = (await browser.client.get("/@alice")).text
    assert "<dt>Quartier</dt><dd>Croix-Rousse</dd>" in public
    assert '<a href="https://alice.example"' in public


async def test_a_field_without_a_label_is_refused_beside_the_fields(alice: Any) -> None:
    app, browser = alice
    refused = await send(
        browser, "/account/profile", "/account/profile", field_value_0="orphan", display_name="X"
    )
    assert refused.status_code == 422 and 'id="profile-fields-error"' in refused.text
    assert input_value(refused.text, "field_value_0") == "orphan"
    assert stored(app).fields == [] and stored(app).display_name != "X"


async def test_a_header_picture_shows_on_the_profile_and_the_actor_until_removed(
    alice: Any,
) -> None:
    app, browser = alice
    token = await browser.form_token("/account/profile")
    saved = await browser.client.post(
        "/account/profile",
        data={"csrf_token": token},
        files={"header": ("banner.png", image_bytes(size=(90, 30)), "image/png")},
        headers=HTML,
    )
    assert saved.status_code == 303
    member = stored(app)
    assert member.header and member.avatar is None
    url = app.state.city.urls.media(member.header)
    assert f'src="{url}"' in (await browser.client.get("/@alice")).text
    actor = (await browser.client.get("/users/alice", headers=ACTIVITY)).json()
    assert actor["image"]["url"] == url
    removed = await send(browser, "/account/profile", "/account/profile", remove_header="on")
    assert removed.status_code == 303 and stored(app).header is None
    assert (await browser.client.get(f"/media/{member.header}")).status_code == 404


async def test_a_header_that_is_not_a_picture_is_refused_beside_it(alice: Any) -> None:
    app, browser = alice
    token = await browser.form_token("/account/profile")
    refused = await browser.client.post(
        "/account/profile",
        data={"csrf_token": token, "display_name": "Nouveau"},
        files={"header": ("banner.png", b"%PDF-1.4", "image/png")},
        headers=HTML,
    )
    assert refused.status_code == 400 and 'id="profile-header-error"' in refused.text
    assert stored(app).header is None and stored(app).display_name != "Nouveau"
