"""Discussions through the pages, as residents and staff use them: real app, real database,
real forms with CSRF, one behaviour per test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from exchange import members
from models import DiscussionPost, DiscussionSpace, DiscussionThread, ModerationEntry, Role
from services import discussions

from ..web.conftest import Browser, add_member, logged_in


async def _city_with_staff(web_city: Callable[..., Any]) -> tuple[Any, Browser, Browser]:
    app, _ = await web_city()
    add_member(app, "mayor", role=Role.admin)
    add_member(app, "alice")
    return app, await logged_in(app, "mayor"), await logged_in(app, "alice")


async def _open(staff: Browser, slug: str = "bikes", **fields: str) -> Any:
    return await staff.submit(
        "/discussions/new",
        "/discussions/new",
        slug=slug,
        title=fields.get("title", "Bike repair in the city"),
        description="Where should the workshop go?",
        audience=fields.get("audience", "federated"),
    )


async def _thread(browser: Browser, slug: str = "bikes") -> str:
    answer = await browser.submit(
        f"/discussions/{slug}",
        f"/discussions/{slug}/threads",
        title="A workshop at the market hall",
        text="Saturdays, with tools lent by the library.",
    )
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])


def _rows(app: Any, model: Any) -> list[Any]:
    """Rows in insertion order: PostgreSQL returns them unordered without ORDER BY."""
    return app.state.city.db.read_sync(lambda s: list(s.scalars(select(model).order_by(model.id))))


async def test_staff_open_a_space_with_its_own_group_actor(web_city: Callable[..., Any]) -> None:
    app, staff, _ = await _city_with_staff(web_city)
    answer = await _open(staff)
    assert answer.status_code == 303 and answer.headers["location"] == "/discussions/bikes"
    [space] = _rows(app, DiscussionSpace)
    assert space.state.value == "open" and "BEGIN PRIVATE KEY" in space.private_key_pem
    group = (
        await staff.client.get(
            "/discussions/bikes", headers={"Accept": "application/activity+json"}
        )
    ).json()
    assert group["type"] == "Group" and group["preferredUsername"] == "bikes"
    assert group["publicKey"]["publicKeyPem"] == space.public_key_pem
    assert group["inbox"].endswith("/discussions/bikes/inbox")
    domain = app.state.city.settings.domain
    finger = await staff.client.get(
        "/.well-known/webfinger", params={"resource": f"acct:bikes@{domain}"}
    )
    assert finger.json()["links"][0]["href"] == group["id"]
    assert "Bike repair in the city" in (await staff.client.get("/discussions")).text


async def test_a_member_cannot_open_a_space(web_city: Callable[..., Any]) -> None:
    app, _, alice = await _city_with_staff(web_city)
    page = await alice.client.get("/discussions/new")
    assert page.status_code == 403
    token = await alice.form_token("/discussions")  # the log-out form carries the token
    answer = await alice.client.post(
        "/discussions/new",
        data={"csrf_token": token, "slug": "mine", "title": "Mine", "audience": "members"},
    )
    assert answer.status_code == 403
    assert _rows(app, DiscussionSpace) == []


async def test_a_member_starts_a_thread(web_city: Callable[..., Any]) -> None:
    app, staff, alice = await _city_with_staff(web_city)
    await _open(staff)
    location = await _thread(alice)
    [thread] = _rows(app, DiscussionThread)
    assert location == f"/threads/{thread.public_id}"
    assert "A workshop at the market hall" in (await alice.client.get("/discussions/bikes")).text
    page = (
        await alice.client.get(location, headers={"Accept": "application/activity+json"})
    ).json()
    assert page["type"] == "Page" and page["audience"].endswith("/discussions/bikes")
    assert page["attributedTo"].endswith("/users/alice")


async def test_a_member_replies_and_answers_a_reply(web_city: Callable[..., Any]) -> None:
    app, staff, alice = await _city_with_staff(web_city)
    await _open(staff)
    location = await _thread(alice)
    first = await alice.submit(location, f"{location}/reply", text="Yes, and on Wednesdays.")
    assert first.status_code == 303
    [reply] = _rows(app, DiscussionPost)
    second = await staff.submit(location, f"{location}/reply", text="Agreed", parent=reply.uri)
    assert second.status_code == 303
    posts = _rows(app, DiscussionPost)
    assert [p.parent_id for p in posts] == [None, reply.id]
    page = (await alice.client.get(location)).text
    assert page.index("on Wednesdays") < page.index("Agreed")
    assert page.count('<ul class="replies">') == 2  # the answer is nested under the reply


async def test_a_closed_space_stays_readable_and_refuses_posts(
    web_city: Callable[..., Any],
) -> None:
    app, staff, alice = await _city_with_staff(web_city)
    await _open(staff)
    location = await _thread(alice)
    closed = await staff.submit("/discussions/bikes", "/discussions/bikes/state/close")
    assert closed.status_code == 303
    refused = await alice.submit(location, f"{location}/reply", text="Too late?")
    assert refused.status_code == 409
    assert 'role="alert">This discussion is closed' in refused.text
    no_thread = await alice.submit(
        "/discussions/bikes", "/discussions/bikes/threads", title="New", text="Still?"
    )
    assert no_thread.status_code == 409
    assert (await alice.client.get(location)).status_code == 200
    assert _rows(app, DiscussionPost) == [] and len(_rows(app, DiscussionThread)) == 1


async def test_a_moderator_locks_a_thread_and_hides_a_reply(web_city: Callable[..., Any]) -> None:
    app, staff, alice = await _city_with_staff(web_city)
    await _open(staff)
    location = await _thread(alice)
    await alice.submit(location, f"{location}/reply", text="Something rude")
    [reply] = _rows(app, DiscussionPost)

    hidden = await staff.submit(
        location, f"{location}/moderate/hide-reply", post=reply.uri, reason="rude"
    )
    assert hidden.status_code == 303
    assert "Something rude" not in (await alice.client.get(location)).text
    locked = await staff.submit(location, f"{location}/moderate/lock", reason="enough")
    assert locked.status_code == 303
    refused = await alice.submit(location, f"{location}/reply", text="One more")
    assert refused.status_code == 409 and "locked" in refused.text

    log = _rows(app, ModerationEntry)
    assert [(e.action, e.target) for e in log if e.target_type == "discussion_post"] == [
        ("discussion.hide", reply.uri),
        ("discussion.lock", _rows(app, DiscussionThread)[0].uri),
    ]


async def test_a_member_cannot_moderate(web_city: Callable[..., Any]) -> None:
    app, staff, alice = await _city_with_staff(web_city)
    await _open(staff)
    location = await _thread(alice)
    token = await alice.form_token(location)
    answer = await alice.client.post(
        f"{location}/moderate/lock", data={"csrf_token": token, "reason": ""}
    )
    assert answer.status_code == 403
    assert not _rows(app, DiscussionThread)[0].locked


async def test_a_space_pages_its_threads_pinned_first(web_city: Callable[..., Any]) -> None:
    app, staff, alice = await _city_with_staff(web_city)
    await _open(staff)
    city = app.state.city
    member = city.db.read_sync(lambda s: members.get_member(s, "alice"))
    for n in range(21):
        city.db.write_sync(
            lambda s, n=n: discussions.start_thread(s, city, member, "bikes", f"Topic {n:02}", "?")
        )
    first_thread = _rows(app, DiscussionThread)[0]
    pinned = await staff.submit(
        f"/threads/{first_thread.public_id}", f"/threads/{first_thread.public_id}/moderate/pin"
    )
    assert pinned.status_code == 303

    first = (await alice.client.get("/discussions/bikes")).text
    assert first.count('<li>📌 <a href="/threads/') == 1
    assert first.index("Topic 00") < first.index("Topic 20") < first.index("Topic 19")
    assert "Topic 01" not in first and 'href="?page=2"' in first
    second = (await alice.client.get("/discussions/bikes?page=2")).text
    assert "Topic 01" in second and "Topic 20" not in second and 'href="?page=3"' not in second


async def test_a_search_finds_threads_by_title_or_text_page_by_page(
    web_city: Callable[..., Any],
) -> None:
    app, staff, alice = await _city_with_staff(web_city)
    await _open(staff)
    db = app.state.city.db
    author = db.read_sync(lambda s: members.get_member(s, "alice"))
    for n in range(21):
        db.write_sync(
            lambda s, n=n: discussions.start_thread(
                s, app.state.city, author, "bikes", f"Repair day {n}", "Bring a PUNCTURE kit"
            )
        )
    db.write_sync(
        lambda s: discussions.start_thread(
            s, app.state.city, author, "bikes", "Library hours", "Open on Sundays 100%"
        )
    )
    first = (await alice.client.get("/discussions/bikes", params={"q": "puncture"})).text
    assert first.count('href="/threads/') == 20 and "Library hours" not in first
    assert 'href="?page=2&amp;q=puncture"' in first
    second = (await alice.client.get("/discussions/bikes?page=2&q=puncture")).text
    assert second.count('href="/threads/') == 1
    by_title = (await alice.client.get("/discussions/bikes", params={"q": "library"})).text
    assert by_title.count('href="/threads/') == 1 and "Library hours" in by_title
    literal = (await alice.client.get("/discussions/bikes", params={"q": "0%"})).text
    assert literal.count('href="/threads/') == 1  # % is a character, not a wildcard
