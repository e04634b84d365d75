"""Two real cities on loopback: a member's block of a member of another city reaches it as a
`Block` (docs/FEDERATION.md), which ends the follow there and keeps it from being asked
again; the `Undo` lifts it. A city that ignores Blocks still has its Follow rejected."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, select

from api.auth import issue_token
from exchange.errors import DomainError
from models import AccountBlock, Direction, Follow, RemoteActor
from services import social

from .helpers import act, add_member, eventually


async def _follows(city: Any, direction: Direction) -> list[Follow]:
    return await city.db.read(
        lambda s: list(s.scalars(select(Follow).where(Follow.direction == direction)))
    )


async def _blocks(city: Any) -> list[AccountBlock]:
    return await city.db.read(lambda s: list(s.scalars(select(AccountBlock))))


async def _bob_follows_alice(a: Any, b: Any) -> RemoteActor:
    """bob of city B follows alice of city A (accepted); A's copy of bob is returned."""
    alice = await b.city.fediverse.directory.lookup(f"@alice@{a.settings.domain}")
    bob_uri = b.city.urls.member("bob")
    await act(b, lambda s: social.follow(s, b.city, bob_uri, alice))
    await eventually(lambda: _follows(a, Direction.inbound))
    bob: RemoteActor = await a.city.db.read(
        lambda s: s.scalar(select(RemoteActor).where(RemoteActor.uri == bob_uri))
    )
    return bob


async def _alice(a: Any, verb: str, bob: RemoteActor) -> None:
    token = a.db.write_sync(lambda s: issue_token(s, "alice"))
    answer = await a.http.post(
        f"/api/v1/accounts/{2 * bob.id + 1}/{verb}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200, answer.text


async def _bob_asks_again(a: Any, b: Any) -> Any:
    alice = await b.city.fediverse.directory.lookup(f"@alice@{a.settings.domain}")
    bob_uri = b.city.urls.member("bob")
    return await act(b, lambda s: social.follow(s, b.city, bob_uri, s.merge(alice)))


async def test_a_block_reaches_the_other_city_ends_the_follow_and_an_undo_lifts_it(
    start_city: Any,
) -> None:
    a, b = await start_city(), await start_city()
    add_member(a, "alice")
    add_member(b, "bob")
    bob = await _bob_follows_alice(a, b)

    await _alice(a, "block", bob)
    assert await _follows(a, Direction.inbound) == []

    async def blocked_at_b() -> bool:
        found = await _blocks(b)
        return len(found) == 1 and found[0].incoming and not await _follows(b, Direction.outbound)

    await eventually(blocked_at_b)
    with pytest.raises(DomainError) as refused:
        await _bob_asks_again(a, b)
    assert refused.value.status == 403

    await _alice(a, "unblock", bob)

    async def lifted() -> bool:
        return not await _blocks(b)

    await eventually(lifted)
    await _bob_asks_again(a, b)
    await eventually(lambda: _follows(a, Direction.inbound))


async def test_a_follow_from_a_city_that_ignored_the_block_is_rejected(start_city: Any) -> None:
    a, b = await start_city(), await start_city()
    add_member(a, "alice")
    add_member(b, "bob")
    bob = await _bob_follows_alice(a, b)
    await _alice(a, "block", bob)
    await eventually(lambda: _blocks(b))
    await act(b, lambda s: s.execute(delete(AccountBlock)))  # as a server ignoring Blocks

    await _bob_asks_again(a, b)

    async def rejected() -> bool:
        return not await _follows(b, Direction.outbound)

    await eventually(rejected)
    assert await _follows(a, Direction.inbound) == []
