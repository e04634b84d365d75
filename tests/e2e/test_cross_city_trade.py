"""Trade between members of different cities: a price needs an exchange rule both cities
agreed, and an agreement fixes the quote (rule version, both amounts) in both cities."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from models import OutboundActivity

from .helpers import eventually
from .market import Resident, follow_market, remote_listing
from .partners import partnered
from .test_negotiation import thread_of, until


async def three_cities(start_city: Any) -> tuple[Any, Any, Any]:
    """A (GRN), B (LEF), C (BRQ): rules A-B and B-C, none A-C."""
    a = await start_city(moderation={"listing_review": "after"})
    b = await start_city(currency={"code": "LEF"})
    c = await start_city(currency={"code": "BRQ"})
    await partnered(a, b)  # 1 GRN = 3/2 LEF
    await partnered(b, c)
    return a, b, c


async def listing_seen(seller: Resident, buyer: Resident, price: str) -> dict[str, Any]:
    """seller lists a bike repair at `price`; buyer sees it through the seller's market."""
    await follow_market(buyer, seller.city)
    listing = await seller.ok(
        "post", "/listings", {"purpose": "offer", "title": "Bike repair", "price": price}
    )
    return await eventually(lambda: remote_listing(buyer.city, buyer, listing["uri"]))


async def agreed(alice: Resident, bob: Resident, seen: dict[str, Any], price: str) -> None:
    """bob offers `price` on alice's listing and alice accepts; both cities hold it."""
    await bob.ok("post", f"/listings/{seen['id']}/negotiations", {"price": price})
    on_a = await until(alice, lambda t: len(t["offers"]) == 1)
    await alice.ok("post", f"/negotiations/{on_a['id']}/offers/{on_a['offers'][0]['id']}/accept")
    await until(bob, lambda t: t["agreement"] is not None)


async def test_a_trade_between_cities_without_a_rule_is_refused_at_offer_time(
    start_city: Any,
) -> None:
    a, _, c = await three_cities(start_city)
    alice, carol = Resident(a, "alice"), Resident(c, "carol")
    seen = await listing_seen(alice, carol, "3.00")
    assert seen["converted"] is None  # no quote without a rule
    answer = await carol.post(f"/listings/{seen['id']}/negotiations", {"price": "3.00"})
    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["code"] == "no_exchange_rule"
    assert a.settings.domain in error["message"]
    assert await thread_of(carol) is None


async def test_goods_only_offers_need_no_rule(start_city: Any) -> None:
    a, _, c = await three_cities(start_city)
    alice, carol = Resident(a, "alice"), Resident(c, "carol")
    seen = await listing_seen(alice, carol, "3.00")
    await carol.ok("post", f"/listings/{seen['id']}/negotiations", {"goods": "a jar of honey"})
    await until(alice, lambda t: len(t["offers"]) == 1)


async def test_the_buyer_sees_the_quote_in_their_currency_before_accepting(
    start_city: Any,
) -> None:
    a, b, _ = await three_cities(start_city)
    alice, bob = Resident(a, "alice"), Resident(b, "bob")
    seen = await listing_seen(alice, bob, "3.01")
    # 3.01 GRN at 1 GRN = 3/2 LEF: ceil(301 * 3 / 2) = 452 minor units of LEF
    assert seen["converted"] == {"amount": "4.52", "currency": "LEF", "rate": "2/3"}
    await bob.ok("post", f"/listings/{seen['id']}/negotiations", {"price": "2.00"})
    on_a = await until(alice, lambda t: len(t["offers"]) == 1)
    await alice.ok(
        "post",
        f"/negotiations/{on_a['id']}/offers",
        {"in_reply_to": on_a["offers"][0]["id"], "price": "2.51"},
    )
    on_b = await until(bob, lambda t: len(t["offers"]) == 2)
    assert on_b["offers"][1]["converted"] == {"amount": "3.77", "currency": "LEF", "rate": "2/3"}


async def test_both_cities_store_the_same_quote_at_agreement(start_city: Any) -> None:
    a, b, _ = await three_cities(start_city)
    alice, bob = Resident(a, "alice"), Resident(b, "bob")
    seen = await listing_seen(alice, bob, "3.01")
    await agreed(alice, bob, seen, "3.01")
    on_a = await until(alice, lambda t: t["agreement"] is not None)
    on_b = await until(bob, lambda t: t["agreement"] is not None)
    quote_a, quote_b = on_a["agreement"]["quote"], on_b["agreement"]["quote"]
    assert quote_a == quote_b
    assert quote_a["seller_amount"] == {"amount": "3.01", "currency": "GRN"}
    assert quote_a["buyer_amount"] == {"amount": "4.52", "currency": "LEF"}
    assert quote_a["rule_version"] == 1
    from ..openapi_answers import check_answer

    doc = (await b.http.get("/api/comptoir/v1/openapi.json")).json()
    check_answer(doc, "/negotiations", "get", await bob.get("/negotiations"))


async def test_a_rule_change_after_acceptance_does_not_change_the_agreement(
    start_city: Any,
) -> None:
    a, b, _ = await three_cities(start_city)
    alice, bob = Resident(a, "alice"), Resident(b, "bob")
    seen = await listing_seen(alice, bob, "3.01")
    await agreed(alice, bob, seen, "3.01")
    before = (await until(bob, lambda t: t["agreement"] is not None))["agreement"]["quote"]
    second = await partnered(b, a, rate="1/1")  # B proposes 1 LEF = 1 GRN, A accepts
    assert second["version"] == 2
    for member in (alice, bob):
        after = (await thread_of(member))["agreement"]["quote"]  # type: ignore[index]
        assert after == before
        assert after["buyer_amount"] == {"amount": "4.52", "currency": "LEF"}
    # new listings are quoted under the new version
    listing = await alice.ok(
        "post", "/listings", {"purpose": "offer", "title": "Wheel truing", "price": "3.01"}
    )
    fresh = await eventually(lambda: remote_listing(b, bob, listing["uri"]))
    assert fresh["converted"] == {"amount": "3.01", "currency": "LEF", "rate": "1/1"}


async def test_a_suspended_rule_refuses_new_offers(start_city: Any) -> None:
    from .partners import admin_of, partner_view

    a, b, _ = await three_cities(start_city)
    alice, bob = Resident(a, "alice"), Resident(b, "bob")
    seen = await listing_seen(alice, bob, "3.00")
    await admin_of(a).ok("post", f"/partners/{b.settings.domain}/suspend", {"reason": "audit"})

    async def suspended_at_b() -> Any:
        view = await partner_view(b, a)
        return view and view["rule"]["status"] == "suspended"

    await eventually(suspended_at_b)
    answer = await bob.post(f"/listings/{seen['id']}/negotiations", {"price": "3.00"})
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "no_exchange_rule"


async def test_an_accept_whose_quote_differs_from_the_rule_is_refused(start_city: Any) -> None:
    """bob's city would send the quote it fixed; a hand-made Accept (signed with bob's real
    key) carrying other amounts is refused by alice's city, which keeps no agreement."""
    from exchange import members

    from .test_partners_security import Signer

    a, b, _ = await three_cities(start_city)
    alice, bob = Resident(a, "alice"), Resident(b, "bob")
    seen = await listing_seen(alice, bob, "3.01")
    await bob.ok("post", f"/listings/{seen['id']}/negotiations", {"price": "2.00"})
    on_a = await until(alice, lambda t: len(t["offers"]) == 1)
    await alice.ok(
        "post",
        f"/negotiations/{on_a['id']}/offers",
        {"in_reply_to": on_a["offers"][0]["id"], "price": "3.01"},
    )
    on_b = await until(bob, lambda t: len(t["offers"]) == 2)
    counter = on_b["offers"][1]
    pem = b.db.read_sync(lambda s: members.get_member(s, "bob").private_key_pem)
    signer = Signer(b, bob.uri, pem)
    rule = (await admin_rule(a, b))["rule"]
    agreement_uri = f"{b.url}/agreements/handmade"
    accept = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{agreement_uri}/accept",
        "type": "Accept",
        "actor": bob.uri,
        "to": [alice.uri],
        "object": counter["uri"],
        "context": on_b["context"],
        "result": {
            "type": "Agreement",
            "id": agreement_uri,
            "quote": {
                "type": "Quote",
                "exchangeRule": rule["id"],
                "ruleHash": rule["hash"],
                "sellerAmount": "3.01",
                "sellerCurrency": "GRN",
                "buyerAmount": "1.00",  # the rule gives 4.52
                "buyerCurrency": "LEF",
            },
        },
    }
    assert await signer.post(a, accept) == 202

    async def refused() -> Any:
        rows = await a.db.read(
            lambda s: s.scalar(
                select(func.count())
                .select_from(OutboundActivity)
                .where(
                    OutboundActivity.type == "Reject", OutboundActivity.object_uri == accept["id"]
                )
            )
        )
        return rows

    await eventually(refused)
    thread = await thread_of(alice)
    assert thread is not None and thread["agreement"] is None
    assert [o["state"] for o in thread["offers"]] == ["countered", "open"]


async def admin_rule(city: Any, other: Any) -> dict[str, Any]:
    from .partners import partner_view

    view = await partner_view(city, other)
    assert view is not None
    return view


async def test_a_priced_offer_from_a_city_without_a_rule_is_refused_by_the_seller_city(
    start_city: Any,
) -> None:
    """Carol's city refuses her offer first; should an Offer arrive anyway (signed with her
    real key), alice's city answers with a Reject and opens no thread."""
    from exchange import members

    from .test_partners_security import Signer

    a, _, c = await three_cities(start_city)
    alice, carol = Resident(a, "alice"), Resident(c, "carol")
    listing = await alice.ok(
        "post", "/listings", {"purpose": "offer", "title": "Bike repair", "price": "3.00"}
    )
    pem = c.db.read_sync(lambda s: members.get_member(s, "carol").private_key_pem)
    signer = Signer(c, carol.uri, pem)
    offer_id = f"{c.url}/offers/handmade"
    offer = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": offer_id,
        "type": "Offer",
        "actor": carol.uri,
        "to": [alice.uri],
        "context": f"{c.url}/negotiations/handmade",
        "target": listing["uri"],
        "object": {
            "type": "Agreement",
            "stipulates": {
                "type": "Commitment",
                "satisfies": f"{listing['uri']}#primary",
                "resourceQuantity": {"hasUnit": "one", "hasNumericalValue": "1"},
            },
            "stipulatesReciprocal": {
                "type": "Commitment",
                "satisfies": f"{listing['uri']}#reciprocal",
                "resourceConformsTo": f"{a.url}/currency",
                "resourceQuantity": {"hasUnit": "one", "hasNumericalValue": "3.00"},
            },
        },
    }
    assert await signer.post(a, offer) == 202

    async def rejected() -> Any:
        return await a.db.read(
            lambda s: s.scalar(
                select(OutboundActivity.body).where(
                    OutboundActivity.type == "Reject", OutboundActivity.object_uri == offer_id
                )
            )
        )

    body = await eventually(rejected)
    assert "no exchange rule in force" in body
    assert await thread_of(alice) is None


async def test_the_buyer_accepting_a_counter_offer_fixes_the_same_quote_in_both_cities(
    start_city: Any,
) -> None:
    a, b, _ = await three_cities(start_city)
    alice, bob = Resident(a, "alice"), Resident(b, "bob")
    seen = await listing_seen(alice, bob, "3.01")
    await bob.ok("post", f"/listings/{seen['id']}/negotiations", {"price": "2.00"})
    on_a = await until(alice, lambda t: len(t["offers"]) == 1)
    await alice.ok(
        "post",
        f"/negotiations/{on_a['id']}/offers",
        {"in_reply_to": on_a["offers"][0]["id"], "price": "2.51"},
    )
    on_b = await until(bob, lambda t: len(t["offers"]) == 2)
    await bob.ok("post", f"/negotiations/{on_b['id']}/offers/{on_b['offers'][1]['id']}/accept")
    on_a = await until(alice, lambda t: t["agreement"] is not None)
    on_b = await until(bob, lambda t: t["agreement"] is not None)
    assert on_a["agreement"]["quote"] == on_b["agreement"]["quote"]
    # 2.51 GRN at 1 GRN = 3/2 LEF, the buyer pays: ceil(251 * 3 / 2) = 377
    assert on_b["agreement"]["quote"]["buyer_amount"] == {"amount": "3.77", "currency": "LEF"}
