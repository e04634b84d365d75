"""Who sees remote listings: silenced cities stay out of the market feed except for their followers,
refused cities and hidden listings stay out for everyone."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from federation.keys import generate_rsa_pem
from models import (
    Direction,
    DomainRule,
    Follow,
    FollowState,
    Listing,
    ListingState,
    Purpose,
    RemoteActor,
    RuleKind,
    Severity,
    new_public_id,
    utcnow,
)

from .conftest import Market

_PEM = generate_rsa_pem()[1]
ELSEWHERE = "town.example"


def remote_listing(
    city: Market, title: str, *, domain: str = ELSEWHERE, username: str = "zoe"
) -> str:
    """A listing of another city's member, as if received from it; returns its uri."""
    actor_uri = f"https://{domain}/users/{username}"
    uri = f"https://{domain}/listings/{new_public_id()}"

    def work(session: Any) -> None:
        actor = session.scalar(select(RemoteActor).where(RemoteActor.uri == actor_uri))
        if actor is None:
            actor = RemoteActor(
                uri=actor_uri,
                domain=domain,
                type="Person",
                preferred_username=username,
                inbox=f"{actor_uri}/inbox",
                key_id=f"{actor_uri}#main-key",
                public_key_pem=_PEM,
            )
            session.add(actor)
            session.flush()
        session.add(
            Listing(
                public_id=new_public_id(),
                uri=uri,
                remote_actor_id=actor.id,
                origin=domain,
                purpose=Purpose.offer,
                title=title,
                currency="BRQ",
                scale=2,
                price=100,
                quantity=1,
                state=ListingState.published,
                listed_at=utcnow(),
                photos=[],
            )
        )

    city.db.write_sync(work)
    return uri


def block(city: Market, severity: Severity) -> None:
    city.db.write_sync(
        lambda s: s.add(DomainRule(domain=ELSEWHERE, kind=RuleKind.block, severity=severity))
    )
    city.city.fediverse.policy.invalidate()


def follows(city: Market, member: str, *, username: str) -> None:
    def work(session: Any) -> None:
        actor = session.scalar(
            select(RemoteActor).where(RemoteActor.preferred_username == username)
        )
        if actor is None:
            uri = f"https://{ELSEWHERE}/{username}"
            actor = RemoteActor(
                uri=uri,
                domain=ELSEWHERE,
                type="Group",
                preferred_username=username,
                inbox=f"{uri}/inbox",
                key_id=f"{uri}#main-key",
                public_key_pem=_PEM,
            )
            session.add(actor)
            session.flush()
        session.add(
            Follow(
                local_actor=city.city.urls.member(member),
                remote_actor_id=actor.id,
                direction=Direction.outbound,
                state=FollowState.accepted,
                activity_uri=f"{actor.uri}#f",
            )
        )

    city.db.write_sync(work)


async def uris(city: Market, as_: str | None = None) -> list[str]:
    return [item["uri"] for item in (await city.get("/listings", as_=as_)).json()["listings"]]


async def test_remote_listings_show_in_the_feed_with_their_city(city: Market) -> None:
    uri = remote_listing(city, "Canoe")
    [item] = (await city.get("/listings")).json()["listings"]
    assert (item["uri"], item["city"], item["local"]) == (uri, ELSEWHERE, False)
    assert item["price"] == {"amount": "1.00", "currency": "BRQ"} and item["converted"] is None


async def test_a_silenced_city_stays_out_of_the_feed(city: Market) -> None:
    remote_listing(city, "Canoe")
    block(city, Severity.silence)
    assert await uris(city) == [] and await uris(city, "alice") == []


async def test_a_member_following_the_author_still_sees_a_silenced_city(city: Market) -> None:
    uri = remote_listing(city, "Canoe")
    block(city, Severity.silence)
    follows(city, "alice", username="zoe")
    assert await uris(city, "alice") == [uri]
    assert await uris(city, "bob") == []


async def test_a_member_following_that_citys_market_still_sees_it(city: Market) -> None:
    uri = remote_listing(city, "Canoe")
    block(city, Severity.silence)
    follows(city, "bob", username="market")
    assert await uris(city, "bob") == [uri]


async def test_a_suspended_city_stays_out_for_everyone(city: Market) -> None:
    remote_listing(city, "Canoe")
    block(city, Severity.suspend)
    follows(city, "alice", username="zoe")
    assert await uris(city, "alice") == []


async def test_a_hidden_remote_listing_leaves_the_feed_and_the_decision_is_logged(
    city: Market,
) -> None:
    remote_listing(city, "Canoe")
    [item] = (await city.get("/listings")).json()["listings"]
    hidden = await city.post(
        f"/moderation/listings/{item['id']}/hide", {"reason": "spam"}, as_="mod"
    )
    assert hidden.json()["hidden"] is True
    assert await uris(city) == []
    await city.post(f"/moderation/listings/{item['id']}/unhide", as_="mod")
    assert len(await uris(city)) == 1


async def test_the_city_filter_keeps_one_city(city: Market) -> None:
    remote_listing(city, "Canoe")
    mine = await city.listing()
    found = (await city.get("/listings", city=city.settings.domain)).json()["listings"]
    assert [item["id"] for item in found] == [mine["id"]]


async def test_a_page_reads_past_listings_kept_out_and_the_next_page_goes_on(city: Market) -> None:
    first = await city.listing(title="First")
    for n in range(25):
        remote_listing(city, f"Canoe {n}")
    last = await city.listing(title="Last")
    block(city, Severity.silence)
    page = (await city.get("/listings", limit="1")).json()
    assert [item["id"] for item in page["listings"]] == [last["id"]]
    after = (await city.get("/listings", limit="1", cursor=page["next_cursor"])).json()
    assert [item["id"] for item in after["listings"]] == [first["id"]] and after[
        "next_cursor"
    ] is None
