"""Listings travel between real cities: review before publication, the market feed, edits,
take-downs.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from models import Listing, OutboundActivity, Role

from .helpers import AS2, eventually, settled
from .market import Resident, add_category, follow_market, remote_listing
from .partners import partnered


async def two_cities(
    start_city: Any, review: str = "after"
) -> tuple[Any, Any, Resident, Resident, Resident]:
    """City A (alice, moderator mod) with its market followed by city B's bob."""
    a = await start_city(moderation={"listing_review": review})
    b = await start_city(currency={"code": "BRQ"})
    alice, mod, bob = (
        Resident(a, "alice"),
        Resident(a, "mod", role=Role.moderator),
        Resident(b, "bob"),
    )
    add_category(a, "velo")
    await follow_market(bob, a)
    return a, b, alice, mod, bob


async def test_under_review_a_listing_federates_only_after_approval(start_city: Any) -> None:
    a, b, alice, mod, bob = await two_cities(start_city, review="before")
    listing = await alice.ok(
        "post",
        "/listings",
        {"purpose": "offer", "title": "Pear tree cuttings", "price": "2.00", "category": "velo"},
    )
    assert listing["state"] == "pending"
    await settled(a)  # A's worker has done all the post caused: nothing may have left A
    await settled(b)  # and B's, with anything that had reached it
    sent = await a.db.read(
        lambda s: s.scalar(
            select(func.count())
            .select_from(OutboundActivity)
            .where(OutboundActivity.object_uri == listing["uri"])
        )
    )
    assert sent == 0
    assert await remote_listing(b, bob, listing["uri"]) is None
    assert (await a.http.get(listing["uri"], headers=AS2)).status_code == 404

    await mod.ok("post", f"/moderation/listings/{listing['id']}/approve")
    arrived = await eventually(lambda: remote_listing(b, bob, listing["uri"]))
    assert arrived["title"] == "Pear tree cuttings" and arrived["state"] == "published"


async def test_a_resident_of_b_browses_a_listings_after_following_a_market(start_city: Any) -> None:
    a, b, alice, _, bob = await two_cities(start_city)
    listing = await alice.ok(
        "post",
        "/listings",
        {
            "purpose": "offer",
            "title": "Bike repair",
            "price": "3.00",
            "place": "Quartier Nord",
            "category": "velo",
        },
    )
    arrived = await eventually(lambda: remote_listing(b, bob, listing["uri"]))
    assert arrived["city"] == a.settings.domain and not arrived["local"]
    assert arrived["price"] == {"amount": "3.00", "currency": "GRN"}
    assert arrived["author"]["handle"] == f"alice@{a.settings.domain}"
    assert arrived["category"] == "velo" and arrived["place"] == "Quartier Nord"
    found = (await bob.get("/listings", city=a.settings.domain, q="repair", category="velo")).json()
    assert [item["uri"] for item in found["listings"]] == [listing["uri"]]


async def test_an_edit_reaches_city_b(start_city: Any) -> None:
    a, b, alice, _, bob = await two_cities(start_city)
    listing = await alice.ok(
        "post", "/listings", {"purpose": "offer", "title": "Bike repair", "price": "3.00"}
    )
    await eventually(lambda: remote_listing(b, bob, listing["uri"]))
    await alice.ok(
        "patch", f"/listings/{listing['id']}", {"title": "Bike and scooter repair", "price": "4.00"}
    )

    async def edited() -> dict[str, Any] | None:
        found = await remote_listing(b, bob, listing["uri"])
        return found if found and found["title"] == "Bike and scooter repair" else None

    assert (await eventually(edited))["price"]["amount"] == "4.00"


async def copy_state(city: Any, uri: str) -> str | None:
    state = await city.db.read(lambda s: s.scalar(select(Listing.state).where(Listing.uri == uri)))
    return state.value if state is not None else None


async def test_a_take_down_reaches_city_b_and_the_listing_answers_410(start_city: Any) -> None:
    a, b, alice, mod, bob = await two_cities(start_city)
    listing = await alice.ok(
        "post", "/listings", {"purpose": "offer", "title": "Suspicious pills", "price": "1.00"}
    )
    await eventually(lambda: remote_listing(b, bob, listing["uri"]))
    await mod.ok(
        "post", f"/moderation/listings/{listing['id']}/take-down", {"reason": "not allowed here"}
    )

    async def gone() -> bool:
        return await copy_state(b, listing["uri"]) == "rejected"

    await eventually(gone)  # the same state name as at home
    assert await remote_listing(b, bob, listing["uri"]) is None
    answer = await a.http.get(listing["uri"], headers=AS2)
    assert answer.status_code == 410 and answer.json()["type"] == "Tombstone"
    assert answer.json()["endState"] == "rejected"
    mine = (await alice.get(f"/listings/{listing['id']}")).json()
    assert (mine["state"], mine["moderation_reason"]) == ("rejected", "not allowed here")


async def test_a_withdrawal_reaches_city_b_as_withdrawn(start_city: Any) -> None:
    a, b, alice, _, bob = await two_cities(start_city)
    listing = await alice.ok(
        "post", "/listings", {"purpose": "offer", "title": "Old sofa", "price": "1.00"}
    )
    await eventually(lambda: remote_listing(b, bob, listing["uri"]))
    await alice.ok("post", f"/listings/{listing['id']}/withdraw")

    async def gone() -> bool:
        return await copy_state(b, listing["uri"]) == "withdrawn"

    await eventually(gone)
    assert (await alice.get(f"/listings/{listing['id']}")).json()["state"] == "withdrawn"


async def test_a_converted_price_shows_under_an_agreed_exchange_rule(start_city: Any) -> None:
    a, b, alice, _, bob = await two_cities(start_city)
    await partnered(b, a)  # B proposes 1 BRQ = 3/2 GRN, A accepts
    listing = await alice.ok(
        "post", "/listings", {"purpose": "offer", "title": "Bike repair", "price": "3.01"}
    )
    arrived = await eventually(lambda: remote_listing(b, bob, listing["uri"]))
    # 3.01 GRN at 1 BRQ = 3/2 GRN: ceil(301 * 2 / 3) = 201 minor units of BRQ
    assert arrived["converted"] == {"amount": "2.01", "currency": "BRQ", "rate": "3/2"}


async def test_no_converted_price_shows_without_an_agreed_rule(start_city: Any) -> None:
    a, b, alice, _, bob = await two_cities(start_city)
    listing = await alice.ok(
        "post", "/listings", {"purpose": "offer", "title": "Bike repair", "price": "3.01"}
    )
    arrived = await eventually(lambda: remote_listing(b, bob, listing["uri"]))
    assert arrived["converted"] is None
