"""Discussions between two real cities on loopback (real HTTP, real signatures): a resident of
city B follows city A's discussion Group and replies to a thread; A keeps the reply and its
Group announces it to its followers (FEP-1b12). Forged or unsigned posts to the Group's inbox
are refused and write nothing."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import func, select

from exchange import members
from exchange.discussions import SpaceDraft
from federation.httpsig import sign_headers
from federation.keys import load_private_key
from federation.vocab import id_of
from models import (
    Direction,
    DiscussionPost,
    DiscussionThread,
    Follow,
    FollowState,
    InboundActivity,
    JobState,
    Note,
    OutboundActivity,
    Role,
    SpaceAudience,
)
from services import discussions, social

from ..e2e.helpers import AS2, act, add_member, eventually


async def _space_with_thread(a: Any) -> DiscussionThread:
    add_member(a, "alice")
    alice = a.db.read_sync(lambda s: members.get_member(s, "alice"))
    draft = SpaceDraft("bikes", "Bike repair", "Where?", SpaceAudience.federated)
    await act(a, lambda s: discussions.open_space(s, a.city, None, draft))
    thread: DiscussionThread = await act(
        a,
        lambda s: discussions.start_thread(s, a.city, alice, "bikes", "Market hall?", "Saturdays"),
    )
    return thread


async def _accepted(b: Any) -> list[Follow]:
    return await b.db.read(
        lambda s: list(
            s.scalars(
                select(Follow).where(
                    Follow.direction == Direction.outbound,
                    Follow.state == FollowState.accepted,
                )
            )
        )
    )


async def _announced(b: Any, group: str, kind: str, object_id: str) -> list[dict[str, Any]]:
    """The Announces by `group` city B received whose embedded `kind` names `object_id`."""
    rows = await b.db.read(
        lambda s: list(
            s.scalars(
                select(InboundActivity.body).where(
                    InboundActivity.type == "Announce", InboundActivity.actor == group
                )
            )
        )
    )
    bodies = [orjson.loads(body) for body in rows]
    return [
        d
        for d in bodies
        if d["object"]["type"] == kind and id_of(d["object"]["object"]) == object_id
    ]


async def _follow_and_reply(a: Any, b: Any) -> tuple[Any, DiscussionThread, Any]:
    """bob of city B follows A's Group and replies to alice's thread."""
    thread = await _space_with_thread(a)
    add_member(b, "bob")
    bob = b.db.read_sync(lambda s: members.get_member(s, "bob"))
    group = await b.city.fediverse.directory.lookup(f"@bikes@{a.settings.domain}")
    assert group.uri == a.city.urls.discussion_space("bikes")
    await act(b, lambda s: social.follow(s, b.city, b.city.urls.member("bob"), group))
    await eventually(lambda: _accepted(b))
    note = await act(
        b,
        lambda s: social.post_note(
            s, b.city, bob, "Count me in!", mentions=[group], in_reply_to=thread.uri
        ),
    )
    return group, thread, note


async def test_a_resident_of_another_city_follows_the_group_and_the_reply_is_announced(
    start_city: Any,
) -> None:
    a, b = await start_city(), await start_city()
    group, thread, note = await _follow_and_reply(a, b)

    async def kept() -> list[DiscussionPost]:
        return await a.db.read(
            lambda s: list(s.scalars(select(DiscussionPost).where(DiscussionPost.uri == note.uri)))
        )

    [post] = await eventually(kept)
    assert post.thread_id == thread.id and post.remote_actor_id is not None
    page = (await a.http.get(f"/threads/{thread.public_id}")).text
    assert "Count me in!" in page and f"@bob@{b.settings.domain}" in page

    [announce] = await eventually(lambda: _announced(b, group.uri, "Create", note.uri))
    assert announce["object"]["actor"] == b.city.urls.member("bob")
    assert announce["cc"] == [a.city.urls.followers(group.uri)]


async def test_a_hidden_reply_is_deleted_on_the_followers_servers(start_city: Any) -> None:
    a, b = await start_city(), await start_city()
    group, thread, note = await _follow_and_reply(a, b)
    add_member(a, "mayor", role=Role.admin)
    mayor = a.db.read_sync(lambda s: members.get_member(s, "mayor"))

    async def kept() -> int:
        return await a.db.read(lambda s: s.scalar(select(func.count()).select_from(DiscussionPost)))

    await eventually(kept)
    await act(a, lambda s: discussions.hide_post(s, a.city, mayor, note.uri, "off topic"))

    [announce] = await eventually(lambda: _announced(b, group.uri, "Delete", note.uri))
    assert announce["object"]["actor"] == group.uri
    assert "Count me in!" not in (await a.http.get(f"/threads/{thread.public_id}")).text


async def test_a_members_only_space_refuses_a_follow_from_another_city(start_city: Any) -> None:
    a, b = await start_city(), await start_city()
    draft = SpaceDraft("council", "Council staff", "", SpaceAudience.members)
    await act(a, lambda s: discussions.open_space(s, a.city, None, draft))
    add_member(b, "bob")
    group = await b.city.fediverse.directory.lookup(a.city.urls.discussion_space("council"))
    bob_id = b.city.urls.member("bob")
    await act(b, lambda s: social.follow(s, b.city, bob_id, group))

    async def rejected() -> bool:
        rows = await b.db.read(lambda s: s.scalar(select(func.count()).select_from(Follow)))
        return rows == 0

    await eventually(rejected)
    followers = (await a.http.get("/discussions/council/followers", headers=AS2)).json()
    assert followers["totalItems"] == 0


async def test_the_group_announces_local_threads_to_its_followers(start_city: Any) -> None:
    a, b = await start_city(), await start_city()
    await _space_with_thread(a)
    add_member(b, "bob")
    group = await b.city.fediverse.directory.lookup(a.city.urls.discussion_space("bikes"))
    await act(b, lambda s: social.follow(s, b.city, b.city.urls.member("bob"), group))

    async def following() -> int:
        return await a.db.read(
            lambda s: s.scalar(
                select(func.count())
                .select_from(Follow)
                .where(Follow.local_actor == group.uri, Follow.state == FollowState.accepted)
            )
        )

    await eventually(following)
    alice = a.db.read_sync(lambda s: members.get_member(s, "alice"))
    second = await act(
        a, lambda s: discussions.start_thread(s, a.city, alice, "bikes", "Tools?", "Who lends?")
    )

    async def received() -> int:
        return await b.db.read(
            lambda s: s.scalar(
                select(func.count())
                .select_from(InboundActivity)
                .where(InboundActivity.type == "Announce", InboundActivity.actor == group.uri)
            )
        )

    await eventually(received)
    body = await b.db.read(
        lambda s: s.scalar(select(InboundActivity.body).where(InboundActivity.type == "Announce"))
    )
    assert orjson.loads(body)["object"]["object"]["id"] == second.uri


async def test_unsigned_or_forged_posts_to_the_group_inbox_are_refused(start_city: Any) -> None:
    a, b = await start_city(), await start_city()
    thread = await _space_with_thread(a)
    add_member(b, "bob")
    add_member(b, "carol")
    bob_id = b.city.urls.member("bob")
    carol_pem = b.db.read_sync(lambda s: members.get_member(s, "carol").private_key_pem)
    inbox = "/discussions/bikes/inbox"
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{bob_id}#forged/1",
        "type": "Create",
        "actor": bob_id,
        "object": {
            "id": f"{b.url}/notes/forged",
            "type": "Note",
            "attributedTo": bob_id,
            "content": "forged",
            "inReplyTo": thread.uri,
            "to": [a.city.urls.discussion_space("bikes")],
        },
    }
    body = orjson.dumps(activity)
    headers = {"Content-Type": "application/activity+json"}

    unsigned = await a.http.post(inbox, content=body, headers=headers)
    assert unsigned.status_code == 401

    forged = sign_headers(
        "POST",
        a.url + inbox,
        key_id=b.city.urls.key_id(b.city.urls.member("carol")),
        private_key=load_private_key(carol_pem),
        body=body,
    )
    answer = await a.http.post(inbox, content=body, headers={**headers, **forged})
    assert answer.status_code == 401

    stored = await a.db.read(
        lambda s: (
            s.scalar(select(func.count()).select_from(InboundActivity)),
            s.scalar(select(func.count()).select_from(DiscussionPost)),
            s.scalar(
                select(func.count())
                .select_from(OutboundActivity)
                .where(OutboundActivity.body.contains("forged"))
            ),
        )
    )
    assert stored == (0, 0, 0)


async def test_a_remote_reply_to_a_locked_thread_writes_nothing(start_city: Any) -> None:
    a, b = await start_city(), await start_city()
    thread = await _space_with_thread(a)
    add_member(a, "mayor", role=Role.admin)
    mayor = a.db.read_sync(lambda s: members.get_member(s, "mayor"))
    await act(a, lambda s: discussions.moderate_thread(s, a.city, mayor, thread.public_id, "lock"))
    add_member(b, "bob")
    bob = b.db.read_sync(lambda s: members.get_member(s, "bob"))
    group = await b.city.fediverse.directory.lookup(a.city.urls.discussion_space("bikes"))
    await act(
        b,
        lambda s: social.post_note(
            s, b.city, bob, "Still here", mentions=[group], in_reply_to=thread.uri
        ),
    )

    async def handled() -> int:
        return await a.db.read(
            lambda s: s.scalar(
                select(func.count())
                .select_from(InboundActivity)
                .where(InboundActivity.type == "Create", InboundActivity.state == JobState.done)
            )
        )

    await eventually(handled)
    written = await a.db.read(
        lambda s: (
            s.scalar(select(func.count()).select_from(DiscussionPost)),
            s.scalar(
                select(func.count())
                .select_from(OutboundActivity)
                .where(OutboundActivity.body.contains("Still here"))
            ),
        )
    )
    assert written == (0, 0)


async def _kept(a: Any, uri: str) -> DiscussionPost | None:
    return await a.db.read(
        lambda s: s.scalar(select(DiscussionPost).where(DiscussionPost.uri == uri))
    )


async def test_the_author_edits_a_remote_reply_and_the_group_announces_it(
    start_city: Any,
) -> None:
    a, b = await start_city(), await start_city()
    group, _, note = await _follow_and_reply(a, b)
    await eventually(lambda: _kept(a, note.uri))
    bob = b.db.read_sync(lambda s: members.get_member(s, "bob"))
    await act(b, lambda s: social.edit_note(s, b.city, bob, note.uri, "Count me in twice!"))

    async def edited() -> bool:
        post = await _kept(a, note.uri)
        return post is not None and "twice" in post.content

    await eventually(edited)
    await eventually(lambda: _announced(b, group.uri, "Update", note.uri))


async def test_the_author_deletes_a_remote_reply_and_the_group_announces_it(
    start_city: Any,
) -> None:
    a, b = await start_city(), await start_city()
    group, thread, note = await _follow_and_reply(a, b)
    await eventually(lambda: _kept(a, note.uri))
    bob = b.db.read_sync(lambda s: members.get_member(s, "bob"))
    await act(b, lambda s: social.delete_note(s, b.city, bob, note.uri))

    async def removed() -> bool:
        post = await _kept(a, note.uri)
        return post is not None and post.hidden and post.content == ""

    await eventually(removed)
    [announce] = await eventually(lambda: _announced(b, group.uri, "Delete", note.uri))
    assert announce["object"]["actor"] == b.city.urls.member("bob")
    assert "Count me in!" not in (await a.http.get(f"/threads/{thread.public_id}")).text


async def test_a_resident_of_another_city_starts_a_thread_by_mentioning_the_group(
    start_city: Any,
) -> None:
    a, b = await start_city(), await start_city()
    await _space_with_thread(a)
    add_member(b, "bob")
    bob = b.db.read_sync(lambda s: members.get_member(s, "bob"))
    group = await b.city.fediverse.directory.lookup(f"@bikes@{a.settings.domain}")
    await act(b, lambda s: social.follow(s, b.city, b.city.urls.member("bob"), group))
    await eventually(lambda: _accepted(b))
    note = await act(
        b,
        lambda s: social.post_note(
            s, b.city, bob, "Spare inner tubes\nWho has some?", mentions=[group]
        ),
    )

    async def started() -> DiscussionThread | None:
        return await a.db.read(
            lambda s: s.scalar(select(DiscussionThread).where(DiscussionThread.uri == note.uri))
        )

    thread = await eventually(started)
    assert thread.title == "Spare inner tubes" and thread.remote_actor_id is not None
    assert "Spare inner tubes" in (await a.http.get("/discussions/bikes")).text
    await eventually(lambda: _announced(b, group.uri, "Create", note.uri))


async def test_the_moderators_decisions_reach_the_following_city(start_city: Any) -> None:
    """B keeps the Group's replies; A's moderator hides one and B hides its copy, unhides it and
    B shows it again; a lock reaches B as the Group's Lock of the Page (Lemmy's way)."""
    a, b = await start_city(), await start_city()
    thread = await _space_with_thread(a)
    add_member(a, "mayor", role=Role.admin)
    add_member(b, "bob")
    group = await b.city.fediverse.directory.lookup(f"@bikes@{a.settings.domain}")
    await act(b, lambda s: social.follow(s, b.city, b.city.urls.member("bob"), group))
    await eventually(lambda: _accepted(b))
    alice = a.db.read_sync(lambda s: members.get_member(s, "alice"))
    mayor = a.db.read_sync(lambda s: members.get_member(s, "mayor"))
    post = await act(
        a, lambda s: discussions.reply(s, a.city, alice, thread.public_id, "Tools at mine")
    )

    async def copy() -> Note | None:
        return await b.db.read(lambda s: s.scalar(select(Note).where(Note.uri == post.uri)))

    kept = await eventually(copy)
    assert "Tools at mine" in kept.content and kept.hidden_at is None

    await act(a, lambda s: discussions.hide_post(s, a.city, mayor, post.uri, "off topic"))

    async def hidden() -> bool:
        note = await copy()
        return note is not None and note.hidden_at is not None

    await eventually(hidden)
    await act(a, lambda s: discussions.hide_post(s, a.city, mayor, post.uri, "", hidden=False))

    async def shown() -> bool:
        note = await copy()
        return note is not None and note.hidden_at is None

    await eventually(shown)
    await act(a, lambda s: discussions.moderate_thread(s, a.city, mayor, thread.public_id, "lock"))
    [lock] = await eventually(lambda: _announced(b, group.uri, "Lock", thread.uri))
    assert lock["object"]["actor"] == group.uri
