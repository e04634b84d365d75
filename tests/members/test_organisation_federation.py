"""Between two real cities on loopback: when city A's staff approve a member's organisation
request, city B, which follows that member, learns from the actor's `Update` that the account
is an `Organization` (and a `Person` again when it is revoked), without refetching it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from exchange import members
from exchange import organisations as rules
from models import Direction, Follow, FollowState, RemoteActor, Role
from services import organisations, social

from ..e2e.helpers import act, add_member, eventually


async def _type_seen_by(b: Any, uri: str) -> str | None:
    return await b.db.read(
        lambda s: s.scalar(select(RemoteActor.type).where(RemoteActor.uri == uri))
    )


async def _accepted(b: Any) -> bool:
    found = await b.db.read(
        lambda s: s.scalar(
            select(Follow.id).where(
                Follow.direction == Direction.outbound, Follow.state == FollowState.accepted
            )
        )
    )
    return found is not None


async def test_a_following_city_sees_the_account_become_an_organization(start_city: Any) -> None:
    a, b = await start_city(), await start_city()
    add_member(a, "atelier")
    add_member(a, "modo", role=Role.moderator)
    add_member(b, "bob")
    atelier = await b.city.fediverse.directory.lookup(f"@atelier@{a.settings.domain}")
    assert atelier.type == "Person"
    await act(b, lambda s: social.follow(s, b.city, b.city.urls.member("bob"), atelier))
    await eventually(lambda: _accepted(b))

    def ask(session: Any) -> str:
        member = members.get_member(session, "atelier")
        return organisations.ask(session, member, "workshop", "Bike repair").public_id

    request_id = await act(a, ask)
    modo = a.db.read_sync(lambda s: members.get_member(s, "modo"))
    await act(a, lambda s: organisations.approve(s, a.city, request_id, modo))

    async def organization() -> bool:
        return await _type_seen_by(b, atelier.uri) == "Organization"

    await eventually(organization)
    await act(a, lambda s: organisations.revoke(s, a.city, "atelier", modo, "closed"))

    async def person() -> bool:
        return await _type_seen_by(b, atelier.uri) == "Person"

    await eventually(person)
    state = a.db.read_sync(lambda s: rules.get(s, request_id).state.value)
    assert state == "revoked"
