"""Notes travel between real cities: Create, a second delivery, Update, Delete and 410."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from exchange import members
from instance import queue
from models import Direction, Follow, FollowState, InboundActivity, Job, Note, OutboundActivity
from outbox.publish import DELIVER
from services import social

from .helpers import AS2, act, add_member, eventually


async def followed_pair(start_city: Any) -> tuple[Any, Any]:
    """City A's alice follows city B's bob (accepted)."""
    a, b = await start_city(), await start_city()
    add_member(a, "alice")
    add_member(b, "bob")
    bob = await a.city.fediverse.directory.lookup(f"@bob@{b.settings.domain}")
    await act(a, lambda s: social.follow(s, a.city, a.city.urls.member("alice"), bob))

    async def accepted() -> Any:
        return await a.db.read(
            lambda s: s.scalar(
                select(Follow).where(
                    Follow.direction == Direction.outbound, Follow.state == FollowState.accepted
                )
            )
        )

    await eventually(accepted)
    return a, b


async def remote_note(city: Any, uri: str) -> Note | None:
    return await city.db.read(lambda s: s.scalar(select(Note).where(Note.uri == uri)))


async def post(b: Any, text: str) -> Note:
    bob = b.db.read_sync(lambda s: members.get_member(s, "bob"))
    return await act(b, lambda s: social.post_note(s, b.city, bob, text))


async def test_a_public_note_reaches_the_followers_city(start_city: Any) -> None:
    a, b = await followed_pair(start_city)
    note = await post(b, "Fresh bread at the market <today>")
    stored = await eventually(lambda: remote_note(a, note.uri))
    assert stored.content == "<p>Fresh bread at the market &lt;today&gt;</p>"
    assert stored.visibility == "public"
    assert stored.remote_actor_id is not None


async def test_a_note_delivered_twice_is_stored_once(start_city: Any) -> None:
    a, b = await followed_pair(start_city)
    note = await post(b, "Only once")
    await eventually(lambda: remote_note(a, note.uri))

    # B delivers the same Create again, as a server retrying after a lost answer would.
    alice = await b.city.fediverse.directory.actor(a.city.urls.member("alice"))
    create_id = await b.db.read(
        lambda s: s.scalar(
            select(OutboundActivity.id).where(OutboundActivity.uri == f"{note.uri}/activity")
        )
    )
    await act(
        b,
        lambda s: queue.enqueue(s, DELIVER, {"activity": create_id, "inbox": alice.delivery_inbox}),
    )

    async def queue_empty() -> bool:
        return (
            await b.db.read(
                lambda s: s.scalar(select(func.count()).select_from(Job).where(Job.kind == DELIVER))
            )
            == 0
        )

    await eventually(queue_empty)
    notes = await a.db.read(
        lambda s: s.scalar(select(func.count()).select_from(Note).where(Note.uri == note.uri))
    )
    received = await a.db.read(
        lambda s: s.scalar(
            select(func.count())
            .select_from(InboundActivity)
            .where(InboundActivity.uri == f"{note.uri}/activity")
        )
    )
    assert (notes, received) == (1, 1)


async def test_an_edit_reaches_the_followers_city(start_city: Any) -> None:
    a, b = await followed_pair(start_city)
    note = await post(b, "Bike for sale")
    await eventually(lambda: remote_note(a, note.uri))
    bob = b.db.read_sync(lambda s: members.get_member(s, "bob"))
    await act(b, lambda s: social.edit_note(s, b.city, bob, note.uri, "Bike sold, thanks!"))

    async def edited() -> bool:
        stored = await remote_note(a, note.uri)
        return stored is not None and "sold" in stored.content and stored.updated is not None

    await eventually(edited)


async def test_a_delete_reaches_the_followers_city_and_the_note_answers_410(
    start_city: Any,
) -> None:
    a, b = await followed_pair(start_city)
    note = await post(b, "Temporary")
    await eventually(lambda: remote_note(a, note.uri))
    assert (await b.http.get(note.uri, headers=AS2)).status_code == 200
    bob = b.db.read_sync(lambda s: members.get_member(s, "bob"))
    await act(b, lambda s: social.delete_note(s, b.city, bob, note.uri))

    async def deleted() -> bool:
        stored = await remote_note(a, note.uri)
        return stored is not None and stored.deleted_at is not None

    await eventually(deleted)
    gone = await b.http.get(note.uri, headers=AS2)
    assert gone.status_code == 410
    assert gone.json()["type"] == "Tombstone"
