"""Negotiating within one city through the API: offers, counters, the one acceptable offer,
agreements."""

from __future__ import annotations

from typing import Any

import pytest

from exchange import agreements
from exchange.errors import DomainError
from models import Agreement

from .conftest import Market


async def opened(city: Market, **terms: Any) -> dict[str, Any]:
    listing = await city.listing(quantity=3)
    answer = await city.post(
        f"/listings/{listing['id']}/negotiations", {"quantity": 2, **terms}, as_="bob"
    )
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def test_a_first_offer_defaults_to_the_asked_price(city: Market) -> None:
    thread = await opened(city)
    [offer] = thread["offers"]
    assert (offer["quantity"], offer["price"], offer["state"]) == (
        2,
        {"amount": "6.00", "currency": "GRN"},
        "open",
    )
    assert thread["role"] == "buyer" and thread["state"] == "open"


async def test_the_seller_sees_the_thread_and_is_notified(city: Market) -> None:
    thread = await opened(city, message="Can I pick up Saturday?")
    seen = (await city.get(f"/negotiations/{thread['id']}", as_="alice")).json()
    assert (
        seen["role"] == "seller"
        and seen["offers"][0]["message"] == "<p>Can I pick up Saturday?</p>"
    )
    notes = (await city.get("/notifications", as_="alice")).json()
    assert [n["kind"] for n in notes["notifications"]] == ["offer"] and notes["unread"] == 1
    assert notes["notifications"][0]["negotiation"] == thread["id"]


async def test_others_do_not_see_a_thread(city: Market) -> None:
    thread = await opened(city)
    assert (await city.get(f"/negotiations/{thread['id']}", as_="mod")).status_code == 404


async def test_a_counter_offer_supersedes_the_open_one(city: Market) -> None:
    thread = await opened(city)
    first = thread["offers"][0]["id"]
    answer = await city.post(
        f"/negotiations/{thread['id']}/offers",
        {"in_reply_to": first, "quantity": 2, "price": "7.00"},
        as_="alice",
    )
    offers = answer.json()["offers"]
    assert [(o["proposer"], o["state"]) for o in offers] == [
        ("buyer", "countered"),
        ("seller", "open"),
    ]
    assert offers[1]["in_reply_to"] == thread["offers"][0]["uri"]


async def test_only_the_latest_offer_can_be_accepted(city: Market) -> None:
    thread = await opened(city)
    first = thread["offers"][0]["id"]
    await city.post(
        f"/negotiations/{thread['id']}/offers",
        {"in_reply_to": first, "price": "7.00", "quantity": 2},
        as_="alice",
    )
    stale = await city.post(f"/negotiations/{thread['id']}/offers/{first}/accept", as_="alice")
    assert (stale.status_code, stale.json()["error"]["code"]) == (409, "offer_superseded")


async def test_a_counter_to_a_stale_offer_is_refused(city: Market) -> None:
    thread = await opened(city)
    first = thread["offers"][0]["id"]
    await city.post(
        f"/negotiations/{thread['id']}/offers",
        {"in_reply_to": first, "price": "7.00", "quantity": 2},
        as_="alice",
    )
    stale = await city.post(
        f"/negotiations/{thread['id']}/offers",
        {"in_reply_to": first, "price": "5.00", "quantity": 2},
        as_="bob",
    )
    assert (stale.status_code, stale.json()["error"]["code"]) == (409, "offer_superseded")


async def test_nobody_accepts_their_own_offer(city: Market) -> None:
    thread = await opened(city)
    own = await city.post(
        f"/negotiations/{thread['id']}/offers/{thread['offers'][0]['id']}/accept", as_="bob"
    )
    assert (own.status_code, own.json()["error"]["code"]) == (409, "own_offer")


async def test_acceptance_makes_an_agreement_and_takes_the_quantity(city: Market) -> None:
    thread = await opened(city)
    agreed = (
        await city.post(
            f"/negotiations/{thread['id']}/offers/{thread['offers'][0]['id']}/accept", as_="alice"
        )
    ).json()
    assert agreed["state"] == "agreed"
    assert agreed["agreement"]["amount"] == {"amount": "6.00", "currency": "GRN"}
    assert agreed["agreement"]["quantity"] == 2 and agreed["agreement"]["state"] == "agreed"
    listing = (await city.get(f"/listings/{agreed['listing']['id']}")).json()
    assert (listing["state"], listing["quantity"]) == ("reserved", 1)
    kinds = [
        n["kind"] for n in (await city.get("/notifications", as_="bob")).json()["notifications"]
    ]
    assert kinds == ["accepted"]


async def test_the_ledger_hook_says_who_pays_whom(city: Market) -> None:
    thread = await opened(city)
    await city.post(
        f"/negotiations/{thread['id']}/offers/{thread['offers'][0]['id']}/accept", as_="alice"
    )
    due = city.db.read_sync(lambda s: agreements.payable(s, s.query(Agreement).one()))
    assert (due.payer, due.payee, due.amount, due.currency) == ("bob", "alice", 600, "GRN")


async def test_the_ledger_hook_refuses_an_agreement_paid_in_goods(city: Market) -> None:
    listing = await city.listing(price=None)
    thread = (
        await city.post(
            f"/listings/{listing['id']}/negotiations", {"goods": "a jar of honey"}, as_="bob"
        )
    ).json()
    await city.post(
        f"/negotiations/{thread['id']}/offers/{thread['offers'][0]['id']}/accept", as_="alice"
    )
    with pytest.raises(DomainError) as refused:
        city.db.read_sync(lambda s: agreements.payable(s, s.query(Agreement).one()))
    assert refused.value.code == "agreement_not_payable"


async def test_a_rejection_ends_the_negotiation(city: Market) -> None:
    thread = await opened(city)
    answer = await city.post(
        f"/negotiations/{thread['id']}/offers/{thread['offers'][0]['id']}/reject",
        {"reason": "too far"},
        as_="alice",
    )
    assert (
        answer.json()["state"] == "rejected"
        and answer.json()["offers"][0]["answer_reason"] == "too far"
    )
    again = await city.post(f"/negotiations/{thread['id']}/offers", {"price": "1.00"}, as_="bob")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "negotiation_ended")


async def test_only_the_proposer_withdraws_an_offer(city: Market) -> None:
    thread = await opened(city)
    offer = thread["offers"][0]["id"]
    refused = await city.post(f"/negotiations/{thread['id']}/offers/{offer}/withdraw", as_="alice")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "not_your_offer")
    withdrawn = await city.post(f"/negotiations/{thread['id']}/offers/{offer}/withdraw", as_="bob")
    assert withdrawn.json()["state"] == "withdrawn"


async def test_messages_stay_in_the_thread_and_notify_the_other_party(city: Market) -> None:
    thread = await opened(city)
    await city.post(f"/negotiations/{thread['id']}/messages", {"text": "Where?"}, as_="alice")
    seen = (await city.get(f"/negotiations/{thread['id']}", as_="bob")).json()
    assert [(m["author"], m["content"]) for m in seen["messages"]] == [("seller", "<p>Where?</p>")]
    kinds = [
        n["kind"] for n in (await city.get("/notifications", as_="bob")).json()["notifications"]
    ]
    assert kinds == ["message"]


async def test_notifications_are_marked_read(city: Market) -> None:
    await opened(city)
    marked = (await city.post("/notifications/read", as_="alice")).json()
    assert marked == {"marked": 1, "unread": 0}
    assert (await city.get("/notifications", as_="alice", unread="true")).json()[
        "notifications"
    ] == []
