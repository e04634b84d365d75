"""Following shows what the market already has: on the Accept of a follow, the follower's
city fetches the followed market's (or member's) live listings from its outbox.

City A's alice publishes four listings and withdraws a fifth; city B's bob follows A's
market (or alice) afterwards and sees the four at once, each fetched from A.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from exchange import domains
from federation.keys import generate_rsa_pem
from models import Direction, Follow, FollowState, Job, Listing, RemoteActor, utcnow
from services import backfill, social
from services.backfill import FOLLOW_BACKFILL

from ..sink import Sink
from .helpers import act, eventually, settled
from .market import Resident, follow_market


async def a_market_with_history(start_city: Any) -> tuple[Any, Any, Resident, Resident, list[str]]:
    a = await start_city(moderation={"listing_review": "after"})
    b = await start_city(currency={"code": "BRQ"})
    alice, bob = Resident(a, "alice"), Resident(b, "bob")
    live = []
    for title in ("Bread", "Jam", "Bike repair", "Lessons"):
        made = await alice.ok(
            "post", "/listings", {"purpose": "offer", "title": title, "price": "1.00"}
        )
        live.append(made["uri"])
    gone = await alice.ok(
        "post", "/listings", {"purpose": "offer", "title": "Sold", "price": "1.00"}
    )
    await alice.ok("post", f"/listings/{gone['id']}/withdraw")
    await settled(a)
    return a, b, alice, bob, live


async def held(city: Any) -> set[str]:
    rows = await city.db.read(lambda s: list(s.scalars(select(Listing.uri))))
    return set(rows)


async def feed(resident: Resident) -> set[str]:
    page = (await resident.get("/listings", limit="100")).json()
    return {item["uri"] for item in page["listings"]}


async def test_following_a_market_shows_the_listings_it_already_has(start_city: Any) -> None:
    a, b, alice, bob, live = await a_market_with_history(start_city)

    await follow_market(bob, a)

    async def shown() -> bool:
        return await feed(bob) == set(live)

    await eventually(shown)
    await settled(b)
    assert await held(b) == set(live)  # the withdrawn one was not fetched


async def test_following_a_member_shows_their_listings(start_city: Any) -> None:
    a, b, alice, bob, live = await a_market_with_history(start_city)
    target = await b.city.fediverse.directory.lookup(f"@alice@{a.settings.domain}")
    await act(b, lambda s: social.follow(s, b.city, bob.uri, s.merge(target)))

    async def shown() -> bool:
        return await feed(bob) == set(live)

    await eventually(shown)


async def test_a_backfill_twice_keeps_each_listing_once(start_city: Any) -> None:
    a, b, alice, bob, live = await a_market_with_history(start_city)
    await follow_market(bob, a)
    await eventually(lambda: _equal(feed(bob), set(live)))
    carol = Resident(b, "carol")
    await follow_market(carol, a)  # a second follow of the same market: a second backfill
    await settled(b)
    rows = await b.db.read(lambda s: list(s.scalars(select(Listing.uri))))
    assert sorted(rows) == sorted(live)


async def test_a_domain_refused_after_the_accept_is_never_contacted(start_city: Any) -> None:
    b = await start_city()
    bob = Resident(b, "bob")
    async with Sink() as sink:
        market = sink.url("/market")

        def followed(session: Any) -> Follow:
            actor = RemoteActor(
                uri=market,
                domain=f"127.0.0.1:{sink.port}",
                type="Group",
                preferred_username="market",
                inbox=market + "/inbox",
                outbox=market + "/outbox",
                key_id=market + "#main-key",
                public_key_pem=generate_rsa_pem()[1],
            )
            session.add(actor)
            session.flush()
            follow = Follow(
                local_actor=bob.uri,
                remote_actor_id=actor.id,
                direction=Direction.outbound,
                state=FollowState.pending,
                activity_uri=f"{bob.uri}#follows/1",
            )
            session.add(follow)
            session.flush()
            return follow

        follow = b.db.write_sync(followed)

        # the city goes allow-list without the sink's domain (the actor and the follow stay),
        # and an Accept already on its way is recorded, as the inbox would record it
        b.db.write_sync(lambda s: domains.set_mode(s, "allowlist", None))
        b.city.fediverse.policy.invalidate()
        await act(
            b,
            lambda s: social.follow_accepted(s, market, follow.activity_uri, bob.uri, at=utcnow()),
        )
        await settled(b)

        assert sink.fetched == []
        jobs = await b.db.read(
            lambda s: s.scalar(
                select(func.count()).select_from(Job).where(Job.kind == FOLLOW_BACKFILL)
            )
        )
        assert jobs == 0  # done, not left to retry


async def _equal(value: Any, expected: set[str]) -> bool:
    return await value == expected


async def test_a_backfill_keeps_only_the_newest_listings_up_to_its_limit(
    start_city: Any, monkeypatch: Any
) -> None:
    a, b, alice, bob, live = await a_market_with_history(start_city)
    monkeypatch.setattr(backfill, "MAX_LISTINGS", 2)

    await follow_market(bob, a)
    await settled(b)

    assert await held(b) == set(live[-2:])  # "Bike repair" and "Lessons", the newest
