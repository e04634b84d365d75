"""A moderator's pin, lock and move of a thread, seen by a city that follows the discussion
(two real cities on loopback, real HTTP and signatures): city B keeps A's thread as a note
with its Group's flags, shows them, refuses its residents' replies to a locked thread before
sending anything, and follows the thread from one Group to the other when it moves."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from exchange import discussions as spaces
from exchange import members
from exchange.discussions import SpaceDraft
from exchange.errors import DomainError
from federation.vocab import id_of
from models import (
    DiscussionPost,
    DiscussionThread,
    Follow,
    FollowState,
    GroupThread,
    InboundActivity,
    Note,
    OutboundActivity,
    Role,
    SpaceAudience,
)
from outbox import discussions as wire
from services import discussions, social

from ..e2e.helpers import AS2, act, add_member, eventually, settled


async def _open(a: Any, slug: str, title: str) -> None:
    draft = SpaceDraft(slug, title, "", SpaceAudience.federated)
    await act(a, lambda s: discussions.open_space(s, a.city, None, draft))


async def _follow(a: Any, b: Any, slug: str) -> Any:
    """bob of city B follows A's Group `slug`; returns the Group as B knows it, once accepted."""
    group = await b.city.fediverse.directory.lookup(a.city.urls.discussion_space(slug))
    await act(b, lambda s: social.follow(s, b.city, b.city.urls.member("bob"), group))

    async def accepted() -> int:
        return await a.db.read(
            lambda s: s.scalar(
                select(func.count())
                .select_from(Follow)
                .where(Follow.local_actor == group.uri, Follow.state == FollowState.accepted)
            )
        )

    await eventually(accepted)
    return group


async def _start(a: Any, slug: str, title: str) -> DiscussionThread:
    alice = a.db.read_sync(lambda s: members.get_member(s, "alice"))
    thread: DiscussionThread = await act(
        a, lambda s: discussions.start_thread(s, a.city, alice, slug, title, "Saturdays")
    )
    return thread


async def _copy(b: Any, uri: str) -> tuple[GroupThread, Note] | None:
    def read(session: Any) -> tuple[GroupThread, Note] | None:
        found = session.execute(
            select(GroupThread, Note)
            .join(Note, Note.id == GroupThread.note_id)
            .where(Note.uri == uri)
        ).first()
        return None if found is None else (found[0], found[1])

    return await b.db.read(read)


async def _pair(start_city: Any) -> tuple[Any, Any, Any, DiscussionThread]:
    """City A with a federated space `bikes` that bob of city B follows, and alice's thread in
    it, kept by B."""
    a, b = await start_city(), await start_city()
    add_member(a, "alice")
    add_member(a, "mayor", role=Role.admin)
    add_member(b, "bob")
    await _open(a, "bikes", "Bike repair")
    group = await _follow(a, b, "bikes")
    thread = await _start(a, "bikes", "Market hall?")
    await eventually(lambda: _copy(b, thread.uri))
    return a, b, group, thread


async def _moderate(a: Any, thread: DiscussionThread, action: str, **kw: Any) -> None:
    mayor = a.db.read_sync(lambda s: members.get_member(s, "mayor"))
    await act(
        a,
        lambda s: discussions.moderate_thread(s, a.city, mayor, thread.public_id, action, **kw),
    )


async def _flags(b: Any, uri: str) -> tuple[bool, bool] | None:
    found = await _copy(b, uri)
    return None if found is None else (found[0].pinned, found[0].locked)


def _bob(b: Any) -> Any:
    return b.db.read_sync(lambda s: members.get_member(s, "bob"))


async def _sign_in(b: Any, name: str = "bob") -> None:
    login = await b.http.get("/login")
    token = login.text.split('name="csrf_token" value="')[1].split('"')[0]
    await b.http.post(
        "/login",
        data={"csrf_token": token, "username": name, "password": "correct horse battery"},
    )


async def _announced(b: Any, group: str, kind: str) -> list[dict[str, Any]]:
    rows = await b.db.read(
        lambda s: list(
            s.scalars(
                select(InboundActivity.body).where(
                    InboundActivity.type == "Announce", InboundActivity.actor == group
                )
            )
        )
    )
    return [d for d in map(orjson.loads, rows) if d["object"]["type"] == kind]


# ---------------------------------------------------------------------- lock and pin


async def test_a_lock_reaches_the_following_city_as_the_groups_lock(start_city: Any) -> None:
    a, b, group, thread = await _pair(start_city)
    await _moderate(a, thread, "lock", reason="Decided")

    await eventually(lambda: _locked(b, thread.uri))
    [announce] = await _announced(b, group.uri, "Lock")
    assert announce["object"]["actor"] == group.uri
    assert id_of(announce["object"]["object"]) == thread.uri
    assert announce["object"]["summary"] == "Decided"


async def _locked(b: Any, uri: str, locked: bool = True) -> bool:
    flags = await _flags(b, uri)
    return flags is not None and flags[1] is locked


async def _pinned(b: Any, uri: str, pinned: bool = True) -> bool:
    flags = await _flags(b, uri)
    return flags is not None and flags[0] is pinned


async def test_the_following_city_shows_a_locked_thread_without_a_reply_form(
    start_city: Any,
) -> None:
    a, b, _, thread = await _pair(start_city)
    await _sign_in(b)
    before = (await b.http.get("/timeline")).text
    assert "Saturdays" in before and f'name="in_reply_to" value="{thread.uri}"' in before
    await _moderate(a, thread, "lock")
    await eventually(lambda: _locked(b, thread.uri))

    page = (await b.http.get("/timeline")).text
    assert "Locked: no new replies" in page
    assert f'name="in_reply_to" value="{thread.uri}"' not in page


async def test_a_resident_reply_to_a_locked_remote_thread_is_refused_before_sending(
    start_city: Any,
) -> None:
    a, b, group, thread = await _pair(start_city)
    await _moderate(a, thread, "lock")
    await eventually(lambda: _locked(b, thread.uri))
    bob = _bob(b)

    with pytest.raises(DomainError) as refused:
        await act(
            b,
            lambda s: social.post_note(
                s, b.city, bob, "Still here", mentions=[group], in_reply_to=thread.uri
            ),
        )
    assert refused.value.code == "thread_locked" and refused.value.status == 409
    written = await b.db.read(
        lambda s: (
            s.scalar(select(func.count()).select_from(Note).where(Note.member_id == bob.id)),
            s.scalar(
                select(func.count())
                .select_from(OutboundActivity)
                .where(OutboundActivity.body.contains("Still here"))
            ),
        )
    )
    assert written == (0, 0)


async def test_the_web_refusal_of_a_reply_to_a_locked_thread_speaks_the_members_language(
    start_city: Any,
) -> None:
    a, b, _, thread = await _pair(start_city)
    await _moderate(a, thread, "lock")
    await eventually(lambda: _locked(b, thread.uri))
    await _sign_in(b)
    await b.db.write(lambda s: setattr(members.get_member(s, "bob"), "language", "fr"))
    page = (await b.http.get("/timeline")).text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]

    answer = await b.http.post(
        "/timeline", data={"csrf_token": token, "text": "Encore là", "in_reply_to": thread.uri}
    )
    assert answer.status_code == 409
    assert "Ce fil est verrouillé" in answer.text
    count = await b.db.read(lambda s: s.scalar(select(func.count()).select_from(Note)))
    assert count == 1  # the thread alone


async def test_a_reply_to_a_reply_in_a_locked_remote_thread_is_refused(start_city: Any) -> None:
    a, b, group, thread = await _pair(start_city)
    bob = _bob(b)
    first = await act(
        b,
        lambda s: social.post_note(
            s,
            b.city,
            bob,
            "Count me in",
            mentions=[group],
            in_reply_to=thread.uri,
            context=thread.uri,
        ),
    )

    async def kept() -> int:
        return await a.db.read(lambda s: s.scalar(select(func.count()).select_from(DiscussionPost)))

    await eventually(kept)
    await _moderate(a, thread, "lock")
    await eventually(lambda: _locked(b, thread.uri))

    with pytest.raises(DomainError) as refused:
        await act(
            b,
            lambda s: social.post_note(
                s, b.city, bob, "And me", mentions=[group], in_reply_to=first.uri
            ),
        )
    assert refused.value.code == "thread_locked"


async def test_an_unlock_lets_the_following_citys_residents_reply_again(start_city: Any) -> None:
    a, b, group, thread = await _pair(start_city)
    await _moderate(a, thread, "lock")
    await eventually(lambda: _locked(b, thread.uri))
    await _moderate(a, thread, "unlock")
    await eventually(lambda: _locked(b, thread.uri, False))
    [undo] = await _announced(b, group.uri, "Undo")
    assert undo["object"]["object"]["type"] == "Lock"

    bob = _bob(b)
    note = await act(
        b,
        lambda s: social.post_note(
            s, b.city, bob, "Back again", mentions=[group], in_reply_to=thread.uri
        ),
    )

    async def kept() -> DiscussionPost | None:
        return await a.db.read(
            lambda s: s.scalar(select(DiscussionPost).where(DiscussionPost.uri == note.uri))
        )

    assert (await eventually(kept)).thread_id == thread.id


async def test_a_pin_and_an_unpin_reach_the_following_city(start_city: Any) -> None:
    a, b, _, thread = await _pair(start_city)
    await _moderate(a, thread, "pin")
    await eventually(lambda: _pinned(b, thread.uri))
    await _sign_in(b)
    assert "Pinned by its moderators" in (await b.http.get("/timeline")).text

    await _moderate(a, thread, "unpin")
    await eventually(lambda: _pinned(b, thread.uri, False))
    assert "Pinned by its moderators" not in (await b.http.get("/timeline")).text


async def test_a_group_cannot_lock_another_groups_thread(start_city: Any) -> None:
    a, b, _, thread = await _pair(start_city)
    await _open(a, "cafe", "Cafe")
    other = await _follow(a, b, "cafe")

    def forge(session: Any) -> None:
        cafe = spaces.find_space(session, "cafe")
        wire.announce_lock(session, a.city, cafe, thread.uri, "not mine")

    await act(a, forge)
    await eventually(lambda: _announced(b, other.uri, "Lock"))
    await settled(b)
    assert await _flags(b, thread.uri) == (False, False)


# ---------------------------------------------------------------------- moves


async def _moved_pair(start_city: Any, follows: tuple[str, ...]) -> tuple[Any, Any, Any]:
    """City A with spaces `bikes` and `cafe`, alice's thread in `bikes`; bob of B follows the
    Groups named in `follows` (before the thread is started)."""
    a, b = await start_city(), await start_city()
    add_member(a, "alice")
    add_member(a, "mayor", role=Role.admin)
    add_member(b, "bob")
    await _open(a, "bikes", "Bike repair")
    await _open(a, "cafe", "Cafe talk")
    for slug in follows:
        await _follow(a, b, slug)
    thread = await _start(a, "bikes", "Market hall?")
    return a, b, thread


async def test_a_moved_thread_leaves_one_group_and_arrives_in_the_other(start_city: Any) -> None:
    a, b, thread = await _moved_pair(start_city, ("bikes", "cafe"))
    await eventually(lambda: _copy(b, thread.uri))
    await _moderate(a, thread, "move", to_slug="cafe")
    bikes, cafe = a.city.urls.discussion_space("bikes"), a.city.urls.discussion_space("cafe")

    async def moved() -> bool:
        found = await _copy(b, thread.uri)
        return found is not None and found[0].group_uri == cafe

    await eventually(moved)
    await eventually(lambda: _announced(b, bikes, "Delete"))
    await settled(b)
    row, note = await _copy(b, thread.uri) or (None, None)
    assert note is not None and note.hidden_at is None
    assert cafe in note.to and bikes not in [*note.to, *note.cc]
    await _sign_in(b)
    assert f"In {cafe}" in (await b.http.get("/timeline")).text
    document = (await a.http.get(f"/threads/{thread.public_id}", headers=AS2)).json()
    assert document["audience"] == cafe


async def test_a_city_following_only_the_old_group_sees_the_thread_leave(start_city: Any) -> None:
    a, b, thread = await _moved_pair(start_city, ("bikes",))
    await eventually(lambda: _copy(b, thread.uri))
    await _moderate(a, thread, "move", to_slug="cafe")

    async def gone() -> bool:
        found = await _copy(b, thread.uri)
        return found is not None and found[1].hidden_at is not None

    await eventually(gone)
    await _sign_in(b)
    assert "Saturdays" not in (await b.http.get("/timeline")).text


async def test_a_city_following_only_the_new_group_sees_the_thread_arrive(start_city: Any) -> None:
    a, b, thread = await _moved_pair(start_city, ("cafe",))
    await settled(a)
    await settled(b)
    assert await _copy(b, thread.uri) is None
    await _moderate(a, thread, "move", to_slug="cafe")

    found = await eventually(lambda: _copy(b, thread.uri))
    assert found[0].group_uri == a.city.urls.discussion_space("cafe")
    await _sign_in(b)
    assert "Saturdays" in (await b.http.get("/timeline")).text


async def test_a_hidden_thread_moved_is_not_announced_in_the_new_group(start_city: Any) -> None:
    a, b, thread = await _moved_pair(start_city, ("cafe",))
    await _moderate(a, thread, "hide", reason="spam")
    await _moderate(a, thread, "move", to_slug="cafe")
    await settled(a)
    await settled(b)
    assert await _copy(b, thread.uri) is None
    sent = await a.db.read(
        lambda s: s.scalar(
            select(func.count())
            .select_from(OutboundActivity)
            .where(
                OutboundActivity.type == "Announce",
                OutboundActivity.body.contains(a.city.urls.discussion_space("cafe") + '"'),
            )
        )
    )
    assert sent == 0
