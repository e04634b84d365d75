"""Paying an agreement: the paying party confirms and the ledger moves the agreed amount, once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exchange import agreements, members, negotiations
from exchange.errors import DomainError
from models import Transfer

from .conftest import Market


async def agreed(city: Market, *, purpose: str = "offer", **terms: Any) -> dict[str, Any]:
    """alice's listing (two units at 3.00), bob's offer for two, accepted by alice: 6.00 due."""
    listing = await city.listing(purpose=purpose, quantity=3)
    thread = (
        await city.post(
            f"/listings/{listing['id']}/negotiations", {"quantity": 2, **terms}, as_="bob"
        )
    ).json()
    answer = await city.post(
        f"/negotiations/{thread['id']}/offers/{thread['offers'][0]['id']}/accept", as_="alice"
    )
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def balance(city: Market, name: str) -> str:
    account = (await city.get("/ledger/account", as_=name)).json()
    return str(account["balance"])


def transfers(city: Market) -> int:
    return city.db.read_sync(lambda s: s.scalar(select(func.count()).select_from(Transfer)) or 0)


async def test_the_buyer_pays_and_the_amount_moves_to_the_seller(city: Market) -> None:
    thread = await agreed(city)
    paid = await city.post(f"/negotiations/{thread['id']}/agreement/pay", as_="bob")
    assert paid.status_code == 200, paid.text
    agreement = paid.json()["agreement"]
    assert agreement["state"] == "paid" and agreement["transfer"] == f"agreement:{agreement['id']}"
    assert (await balance(city, "bob"), await balance(city, "alice")) == ("-6.00", "6.00")
    transfer = (await city.get(f"/ledger/transfers/{agreement['transfer']}", as_="alice")).json()
    assert (transfer["kind"], transfer["amount"], transfer["reference"]) == (
        "agreement",
        "6.00",
        agreement["uri"],
    )


async def test_the_seller_is_told_of_the_payment(city: Market) -> None:
    thread = await agreed(city)
    await city.post(f"/negotiations/{thread['id']}/agreement/pay", as_="bob")
    notes = (await city.get("/notifications", as_="alice")).json()["notifications"]
    assert notes[0]["kind"] == "agreement_paid" and "@bob paid you 6.00 GRN" in notes[0]["text"]


async def test_paying_an_agreement_twice_is_refused_and_moves_nothing(city: Market) -> None:
    thread = await agreed(city)
    await city.post(f"/negotiations/{thread['id']}/agreement/pay", as_="bob")
    rows = city.rows()
    again = await city.post(f"/negotiations/{thread['id']}/agreement/pay", as_="bob")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "agreement_not_payable")
    assert "paid" in again.json()["error"]["message"]
    assert (await balance(city, "bob"), transfers(city), city.rows()) == ("-6.00", 1, rows)


async def test_the_party_paid_cannot_pay(city: Market) -> None:
    thread = await agreed(city)
    refused = await city.post(f"/negotiations/{thread['id']}/agreement/pay", as_="alice")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "forbidden")
    assert transfers(city) == 0
    assert (await city.get(f"/negotiations/{thread['id']}", as_="alice")).json()["agreement"][
        "state"
    ] == "agreed"


async def test_a_member_not_party_to_the_agreement_cannot_pay_it(city: Market) -> None:
    thread = await agreed(city)
    city.member("carol")
    refused = await city.post(f"/negotiations/{thread['id']}/agreement/pay", as_="carol")
    assert (refused.status_code, refused.json()["error"]["code"]) == (404, "not_found")
    assert transfers(city) == 0


async def test_a_thread_without_an_agreement_has_nothing_to_pay(city: Market) -> None:
    listing = await city.listing()
    thread = (await city.post(f"/listings/{listing['id']}/negotiations", {}, as_="bob")).json()
    refused = await city.post(f"/negotiations/{thread['id']}/agreement/pay", as_="bob")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "no_agreement")


async def test_an_agreement_in_goods_is_not_paid_in_currency(city: Market) -> None:
    thread = await agreed(city, price=None, goods="a jar of honey")
    refused = await city.post(f"/negotiations/{thread['id']}/agreement/pay", as_="bob")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "agreement_not_payable")


async def test_for_a_want_its_author_pays(city: Market) -> None:
    thread = await agreed(city, purpose="request")
    refused = await city.post(f"/negotiations/{thread['id']}/agreement/pay", as_="bob")
    assert refused.status_code == 403
    paid = await city.post(f"/negotiations/{thread['id']}/agreement/pay", as_="alice")
    assert paid.json()["agreement"]["state"] == "paid"
    assert (await balance(city, "alice"), await balance(city, "bob")) == ("-6.00", "6.00")


async def test_a_payment_past_the_credit_limit_leaves_the_agreement_unpaid(
    market: Callable[..., Any],
) -> None:
    city: Market = await market(
        moderation={"listing_review": "after"}, currency={"credit_limit": "5.00"}
    )
    city.member("alice")
    city.member("bob")
    thread = await agreed(city)
    rows = city.rows()
    refused = await city.post(f"/negotiations/{thread['id']}/agreement/pay", as_="bob")
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "credit_limit_exceeded")
    assert (await city.get(f"/negotiations/{thread['id']}", as_="bob")).json()["agreement"][
        "state"
    ] == "agreed"
    assert (transfers(city), city.rows()) == (0, rows)


async def test_a_buyer_suspended_after_agreeing_cannot_pay(city: Market) -> None:
    thread = await agreed(city)

    def suspend_then_pay(session: Session) -> None:
        members.suspend(session, "bob", None, "spam")
        negotiation = negotiations.find(session, thread["id"])
        agreements.pay(
            session,
            city.settings.currency,
            members.get_member(session, "bob"),
            agreements.of_negotiation(session, negotiation),
        )

    with pytest.raises(DomainError) as refused:
        city.db.write_sync(suspend_then_pay)
    assert refused.value.code == "suspended" and transfers(city) == 0


async def test_two_payments_at_once_move_the_amount_once(city: Market) -> None:
    thread = await agreed(city)
    answers = await asyncio.gather(
        *(city.post(f"/negotiations/{thread['id']}/agreement/pay", as_="bob") for _ in range(4))
    )
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    assert (await balance(city, "bob"), transfers(city)) == ("-6.00", 1)
    notes = (await city.get("/notifications", as_="alice")).json()["notifications"]
    assert [n["kind"] for n in notes].count("agreement_paid") == 1
