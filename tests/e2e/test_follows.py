"""Two real cities on loopback: following by handle and by URL, Accept, Undo, collections."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from models import Direction, Follow, FollowState
from services import social

from .helpers import AS2, act, add_member, eventually


async def follows(
    city: Any, direction: Direction, state: FollowState = FollowState.accepted
) -> list[Follow]:
    return await city.db.read(
        lambda s: list(
            s.scalars(select(Follow).where(Follow.direction == direction, Follow.state == state))
        )
    )


async def test_a_member_follows_a_member_of_another_city_by_handle(start_city: Any) -> None:
    a, b = await start_city(), await start_city()
    add_member(a, "alice")
    add_member(b, "bob")
    bob = await a.city.fediverse.directory.lookup(f"@bob@{b.settings.domain}")
    alice_id = a.city.urls.member("alice")
    await act(a, lambda s: social.follow(s, a.city, alice_id, bob))

    [accepted] = await eventually(lambda: follows(a, Direction.outbound))
    assert accepted.local_actor == alice_id
    [inbound] = await eventually(lambda: follows(b, Direction.inbound))
    assert inbound.local_actor == b.city.urls.member("bob")

    followers = (await b.http.get("/users/bob/followers?page=true", headers=AS2)).json()
    assert followers["orderedItems"] == [alice_id]
    summary = (await b.http.get("/users/bob/followers", headers=AS2)).json()
    assert summary["totalItems"] == 1 and summary["type"] == "OrderedCollection"
    following = (await a.http.get("/users/alice/following?page=true", headers=AS2)).json()
    assert following["orderedItems"] == [b.city.urls.member("bob")]


async def test_a_member_follows_by_actor_url(start_city: Any) -> None:
    a, b = await start_city(), await start_city()
    add_member(a, "alice")
    add_member(b, "bob")
    bob = await a.city.fediverse.directory.lookup(b.city.urls.member("bob"))
    await act(a, lambda s: social.follow(s, a.city, a.city.urls.member("alice"), bob))
    await eventually(lambda: follows(a, Direction.outbound))


async def test_undo_removes_the_follow_on_both_sides(start_city: Any) -> None:
    a, b = await start_city(), await start_city()
    add_member(a, "alice")
    add_member(b, "bob")
    bob = await a.city.fediverse.directory.lookup(f"bob@{b.settings.domain}")
    alice_id = a.city.urls.member("alice")
    await act(a, lambda s: social.follow(s, a.city, alice_id, bob))
    await eventually(lambda: follows(b, Direction.inbound))

    await act(a, lambda s: social.unfollow(s, a.city, alice_id, bob))

    async def gone() -> bool:
        return not await follows(b, Direction.inbound)

    await eventually(gone)
    assert await follows(a, Direction.outbound) == []
    summary = (await b.http.get("/users/bob/followers", headers=AS2)).json()
    assert summary["totalItems"] == 0


async def test_a_member_who_approves_followers_keeps_the_follow_pending(start_city: Any) -> None:
    a, b = await start_city(), await start_city()
    add_member(a, "alice")
    add_member(b, "bob", manually_approves_followers=True)
    bob = await a.city.fediverse.directory.lookup(f"@bob@{b.settings.domain}")
    await act(a, lambda s: social.follow(s, a.city, a.city.urls.member("alice"), bob))
    await eventually(lambda: follows(b, Direction.inbound, FollowState.pending))
    assert await follows(a, Direction.outbound) == []
    assert bob.manually_approves_followers
