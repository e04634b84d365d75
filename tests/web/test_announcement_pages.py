"""The staff's announcements page: a moderator writes an announcement, publishes it (then the
apps list it), takes it down and removes it; a refused form keeps what was typed; a member
without a staff role is refused the page and its forms."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import select

from api.auth import issue_token
from models import Announcement, ModerationEntry, Role

from .conftest import Browser, add_member, logged_in
from .test_refused_forms import HTML, send

PAGE = "/admin/announcements"


@pytest.fixture
async def staff(in_process_city: Callable[..., Any]) -> AsyncIterator[tuple[Any, Browser]]:
    app, _, _ = in_process_city()
    add_member(app, "mod", role=Role.moderator)
    mod = await logged_in(app, "mod")
    yield app, mod
    await mod.client.aclose()


def stored(app: Any) -> list[tuple[int, str, str]]:
    return app.state.city.db.read_sync(
        lambda s: [
            (a.id, a.text, a.state.value)
            for a in s.scalars(select(Announcement).order_by(Announcement.id))
        ]
    )


async def test_a_moderator_writes_a_draft_then_publishes_it(staff: Any) -> None:
    app, mod = staff
    saved = await send(mod, PAGE, f"{PAGE}/add", text="The market is closed on Monday.")
    assert saved.status_code == 303
    ((number, text, state),) = stored(app)
    assert (text, state) == ("The market is closed on Monday.", "draft")
    published = await send(mod, PAGE, f"{PAGE}/{number}/publish")
    assert published.status_code == 303
    assert stored(app) == [(number, text, "published")]
    shown = (await mod.client.get(PAGE)).text
    assert "The market is closed on Monday." in shown and "Take down" in shown
    token = app.state.city.db.write_sync(lambda s: issue_token(s, "mod"))
    apps = await mod.client.get(
        "/api/v1/announcements", headers={"Authorization": f"Bearer {token}"}
    )
    assert [a["id"] for a in apps.json()] == [str(number)]


async def test_a_published_announcement_is_taken_down_and_removed(staff: Any) -> None:
    app, mod = staff
    await send(mod, PAGE, f"{PAGE}/add", text="Fête du pain", publish="on")
    ((number, _, state),) = stored(app)
    assert state == "published"
    assert (await send(mod, PAGE, f"{PAGE}/{number}/unpublish")).status_code == 303
    assert stored(app)[0][2] == "unpublished"
    assert (await send(mod, PAGE, f"{PAGE}/{number}/remove")).status_code == 303
    assert stored(app) == []


async def test_publishing_is_in_the_moderation_log(staff: Any) -> None:
    app, mod = staff
    await send(mod, PAGE, f"{PAGE}/add", text="Fête du pain", publish="on")
    actions = app.state.city.db.read_sync(
        lambda s: list(s.scalars(select(ModerationEntry.action).order_by(ModerationEntry.id)))
    )
    assert actions == ["announcement.add", "announcement.publish"]


async def test_an_end_before_the_start_is_refused_beside_the_end_keeping_the_text(
    staff: Any,
) -> None:
    app, mod = staff
    refused = await send(
        mod,
        PAGE,
        f"{PAGE}/add",
        text="Backwards",
        starts_at="2099-03-03T10:00",
        ends_at="2099-03-02T10:00",
    )
    assert refused.status_code == 400 and 'id="add-ends_at-error"' in refused.text
    assert ">Backwards</textarea>" in refused.text and stored(app) == []


async def test_publishing_a_published_announcement_is_refused_on_the_page(staff: Any) -> None:
    app, mod = staff
    await send(mod, PAGE, f"{PAGE}/add", text="Once", publish="on")
    ((number, _, _),) = stored(app)
    again = await send(mod, PAGE, f"{PAGE}/{number}/publish")
    assert again.status_code == 409 and "cannot become published" in again.text


async def test_an_unknown_announcement_is_404(staff: Any) -> None:
    _, mod = staff
    assert (await send(mod, PAGE, f"{PAGE}/999/publish")).status_code == 404


async def test_a_member_without_a_staff_role_is_refused(
    in_process_city: Callable[..., Any],
) -> None:
    app, _, _ = in_process_city()
    add_member(app, "alice")
    alice = await logged_in(app, "alice")
    try:
        assert (await alice.client.get(PAGE)).status_code == 403
        token = await alice.form_token("/account/password")
        answer = await alice.client.post(
            f"{PAGE}/add", data={"csrf_token": token, "text": "I am the mayor now."}
        )
        assert answer.status_code == 403 and stored(app) == []
    finally:
        await alice.client.aclose()


async def test_a_form_without_its_csrf_token_is_refused(staff: Any) -> None:
    app, mod = staff
    answer = await mod.client.post(f"{PAGE}/add", data={"text": "No token."})
    assert answer.status_code == 403 and stored(app) == []


async def test_the_page_speaks_french_to_a_french_moderator(staff: Any) -> None:
    _, mod = staff
    page = await mod.client.get(PAGE, headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert "<h1>Annonces</h1>" in page.text and "Écrire une annonce" in page.text


async def test_an_end_that_is_no_date_is_refused_beside_the_end(staff: Any) -> None:
    app, mod = staff
    refused = await send(mod, PAGE, f"{PAGE}/add", text="When?", ends_at="next monday")
    assert refused.status_code == 400 and 'id="add-ends_at-error"' in refused.text
    assert 'value="next monday"' in refused.text and stored(app) == []


async def test_a_publication_time_schedules_the_draft(staff: Any) -> None:
    app, mod = staff
    saved = await send(mod, PAGE, f"{PAGE}/add", text="Later", scheduled_at="2099-03-02T10:00")
    assert saved.status_code == 303 and "scheduled" in saved.headers["location"]
    ((number, _, state),) = stored(app)
    assert state == "draft"
    when = app.state.city.db.read_sync(lambda s: s.get(Announcement, number).scheduled_at)
    assert when.isoformat() == "2099-03-02T10:00:00+00:00"
    shown = (await mod.client.get(PAGE)).text
    assert "to be published 2099-03-02 10:00 UTC" in shown


async def test_a_past_publication_time_is_refused_beside_its_field(staff: Any) -> None:
    app, mod = staff
    refused = await send(mod, PAGE, f"{PAGE}/add", text="Too late", scheduled_at="2001-01-01T10:00")
    assert refused.status_code == 400 and 'id="add-scheduled_at-error"' in refused.text
    assert "publication time is past" in refused.text and stored(app) == []


async def test_a_publication_time_that_is_no_date_is_refused(staff: Any) -> None:
    app, mod = staff
    refused = await send(mod, PAGE, f"{PAGE}/add", text="When?", scheduled_at="soon")
    assert refused.status_code == 400 and 'id="add-scheduled_at-error"' in refused.text
    assert 'value="soon"' in refused.text and stored(app) == []


async def test_publishing_now_and_later_at_once_is_refused(staff: Any) -> None:
    app, mod = staff
    refused = await send(
        mod, PAGE, f"{PAGE}/add", text="Both", scheduled_at="2099-03-02T10:00", publish="on"
    )
    assert refused.status_code == 400 and 'id="add-scheduled_at-error"' in refused.text
    assert stored(app) == []


async def test_a_past_publication_time_is_refused_in_french(staff: Any) -> None:
    _, mod = staff
    token = await mod.form_token(PAGE)
    refused = await mod.client.post(
        f"{PAGE}/add",
        data={"csrf_token": token, "text": "Trop tard", "scheduled_at": "2001-01-01T10:00"},
        headers={**HTML, "Accept-Language": "fr-FR,fr;q=0.9"},
    )
    assert "Cette date de publication est passée" in refused.text
    assert "Publier le (UTC" in refused.text
