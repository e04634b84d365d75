"""Consultations on the space's page, as staff and residents use them: real app, real
database, real forms with CSRF. A refused vote is said in the member's language and writes
nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from models import ModerationEntry, Poll, PollVote, Role, utcnow

from ..web.conftest import Browser, add_member, logged_in

FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}


async def _city_with_poll(
    web_city: Callable[..., Any], results: str = "after_vote"
) -> tuple[Any, Browser, Browser, str]:
    app, _ = await web_city()
    add_member(app, "mayor", role=Role.admin)
    add_member(app, "alice")
    staff, alice = await logged_in(app, "mayor"), await logged_in(app, "alice")
    opened = await staff.submit(
        "/discussions/new", "/discussions/new", slug="bikes", title="Bikes", audience="members"
    )
    assert opened.status_code == 303
    closes = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    attached = await staff.submit(
        "/discussions/bikes",
        "/discussions/bikes/polls",
        question="Where should the workshop go?",
        options="Market hall\nStation\n",
        closes_at=closes,
        results=results,
    )
    assert attached.status_code == 303, attached.text
    public_id = str(attached.headers["location"]).rsplit("#poll-", 1)[1]
    return app, staff, alice, public_id


def _votes(app: Any) -> int:
    return int(
        app.state.city.db.read_sync(lambda s: s.scalar(select(func.count()).select_from(PollVote)))
    )


async def test_a_member_votes_and_then_sees_the_tally(web_city: Callable[..., Any]) -> None:
    app, _, alice, poll = await _city_with_poll(web_city)
    before = (await alice.client.get("/discussions/bikes")).text
    assert "Where should the workshop go?" in before and "once you have voted" in before
    voted = await alice.submit("/discussions/bikes", f"/polls/{poll}/vote", choice="1")
    assert voted.status_code == 303
    after = (await alice.client.get("/discussions/bikes")).text
    assert "You voted: Station." in after and "1 members, 0 from other cities" in after
    logged = app.state.city.db.read_sync(
        lambda s: s.scalar(
            select(ModerationEntry.action).where(ModerationEntry.target_type == "poll")
        )
    )
    assert logged == "poll.attach"


async def test_a_second_vote_is_refused_in_french_and_writes_nothing(
    web_city: Callable[..., Any],
) -> None:
    app, _, alice, poll = await _city_with_poll(web_city)
    token = await alice.form_token("/discussions/bikes")
    first = await alice.client.post(
        f"/polls/{poll}/vote", data={"csrf_token": token, "choice": "0"}
    )
    assert first.status_code == 303
    again = await alice.client.post(
        f"/polls/{poll}/vote", data={"csrf_token": token, "choice": "1"}, headers=FRENCH
    )
    assert again.status_code == 409
    assert "Vous avez déjà voté" in again.text
    assert _votes(app) == 1


async def test_a_vote_after_the_close_is_refused_and_results_at_close_then_show(
    web_city: Callable[..., Any],
) -> None:
    app, staff, alice, poll = await _city_with_poll(web_city, results="at_close")
    token = await alice.form_token("/discussions/bikes")
    await alice.client.post(f"/polls/{poll}/vote", data={"csrf_token": token, "choice": "0"})
    hidden = (await alice.client.get("/discussions/bikes")).text
    assert "shown when the poll closes" in hidden and "from other cities" not in hidden

    closed = await staff.submit("/discussions/bikes", f"/polls/{poll}/close")
    assert closed.status_code == 303
    add_member(app, "bob")
    bob = await logged_in(app, "bob")
    shown = (await bob.client.get("/discussions/bikes", headers=FRENCH)).text
    assert "Clos le" in shown and "membres 1, autres villes 0" in shown
    late = await bob.client.post(
        f"/polls/{poll}/vote",
        data={"csrf_token": await bob.form_token("/discussions/bikes"), "choice": "1"},
        headers=FRENCH,
    )
    assert late.status_code == 409 and "Ce sondage est clos" in late.text
    assert _votes(app) == 1
    state = app.state.city.db.read_sync(lambda s: s.scalar(select(Poll.state)))
    assert state.value == "closed"
