"""Copies stay current: every city that holds a copy of a listing hears of what happens to it.

City A's alice lists 20 jars; city B's bob follows A's market; city C's carol followed it,
negotiated, and stopped following. An agreement that takes part of the quantity, an edit, a
withdrawal reach both copies; a withdrawal also ends the threads on it there.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from models import Listing, Negotiation

from .helpers import eventually
from .market import API, Resident, follow_market, remote_listing
from .partners import partnered
from .test_negotiation import until


async def copy_of(city: Any, uri: str) -> Listing | None:
    return await city.db.read(lambda s: s.scalar(select(Listing).where(Listing.uri == uri)))


async def unfollow_all(resident: Resident) -> None:
    for follow in (await resident.get("/follows")).json():
        answer = await resident.city.http.delete(
            f"{API}/follows/{follow['id']}", headers={"Authorization": f"Bearer {resident.token}"}
        )
        assert answer.status_code == 204


async def three_cities(start_city: Any) -> tuple[Any, Any, Any, Resident, Resident, Resident, Any]:
    a = await start_city(moderation={"listing_review": "after"})
    b = await start_city(currency={"code": "BRQ"})
    c = await start_city(currency={"code": "CRQ"})
    alice, bob, carol = Resident(a, "alice"), Resident(b, "bob"), Resident(c, "carol")
    await follow_market(bob, a)
    await follow_market(carol, a)
    await partnered(c, a)  # carol pays in CRQ for alice's GRN
    listing = await alice.ok(
        "post",
        "/listings",
        {"purpose": "offer", "title": "Jars of honey", "price": "2.00", "quantity": 20},
    )
    await eventually(lambda: remote_listing(b, bob, listing["uri"]))
    at_c = await eventually(lambda: remote_listing(c, carol, listing["uri"]))
    return a, b, c, alice, bob, carol, {"a": listing, "c": at_c}


async def test_an_agreement_that_reserves_part_of_a_listing_updates_every_copy(
    start_city: Any,
) -> None:
    a, b, c, alice, bob, carol, listing = await three_cities(start_city)
    await carol.ok(
        "post", f"/listings/{listing['c']['id']}/negotiations", {"price": "8.00", "quantity": 4}
    )
    thread = await until(alice, lambda t: len(t["offers"]) == 1)
    await alice.ok(
        "post", f"/negotiations/{thread['id']}/offers/{thread['offers'][0]['id']}/accept"
    )

    async def left(city: Any, quantity: int) -> bool:
        found = await copy_of(city, listing["a"]["uri"])
        return found is not None and found.quantity == quantity

    assert (await alice.get(f"/listings/{listing['a']['id']}")).json()["quantity"] == 16
    await eventually(lambda: left(b, 16))
    await eventually(lambda: left(c, 16))


async def test_a_city_that_only_negotiated_hears_of_edits_and_the_withdrawal(
    start_city: Any,
) -> None:
    a, b, c, alice, bob, carol, listing = await three_cities(start_city)
    await carol.ok(
        "post", f"/listings/{listing['c']['id']}/negotiations", {"price": "4.00", "quantity": 2}
    )
    await until(alice, lambda t: len(t["offers"]) == 1)
    await unfollow_all(carol)  # C no longer follows A's market, but holds a copy and a thread

    await alice.ok("patch", f"/listings/{listing['a']['id']}", {"title": "Jars of lime honey"})

    async def renamed() -> bool:
        found = await copy_of(c, listing["a"]["uri"])
        return found is not None and found.title == "Jars of lime honey"

    await eventually(renamed)

    await alice.ok("post", f"/listings/{listing['a']['id']}/withdraw")

    async def ended() -> bool:
        found = await copy_of(c, listing["a"]["uri"])
        return found is not None and found.state.value == "withdrawn"

    await eventually(ended)
    thread = await until(carol, lambda t: t["state"] != "open")
    assert thread["state"] in ("closed", "rejected")
    states = await c.db.read(lambda s: list(s.scalars(select(Negotiation.state))))
    assert [state.value for state in states] == [thread["state"]]


async def test_a_withdrawal_ends_a_thread_waiting_on_the_sellers_counter_offer(
    start_city: Any,
) -> None:
    a, b, c, alice, bob, carol, listing = await three_cities(start_city)
    await carol.ok(
        "post", f"/listings/{listing['c']['id']}/negotiations", {"price": "4.00", "quantity": 2}
    )
    thread = await until(alice, lambda t: len(t["offers"]) == 1)
    # the thread waits on the seller's counter-offer when the seller withdraws the listing
    offer = thread["offers"][0]["id"]
    await alice.ok(
        "post",
        f"/negotiations/{thread['id']}/offers",
        {"in_reply_to": offer, "price": "5.00", "quantity": 2},
    )
    await until(carol, lambda t: len(t["offers"]) == 2)

    await alice.ok("post", f"/listings/{listing['a']['id']}/withdraw")

    ended = await until(carol, lambda t: t["state"] != "open")
    assert ended["state"] in ("closed", "withdrawn")
    assert (await until(alice, lambda t: t["state"] != "open"))["state"] == "closed"
