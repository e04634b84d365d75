"""Paying across cities between real instances: the presumed-abort two-phase settlement.

City A (GRN) lists; bob of city B (BRQ) buys. The exchange rule (A proposed, both hold it):
one GRN buys two BRQ, a 1 % fee at the payer's city. B is the payer's city and coordinates.
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from models import ExchangeRule, Notification, Settlement

from ..web.conftest import Browser
from .helpers import eventually, settled
from .market import Resident, remote_listing
from .settlement import agree_rule, balances, ledger_check, peer, suspend
from .test_negotiation import listed, until


async def agreed_trade(
    start_city: Any, **rule: Any
) -> tuple[Any, Any, Resident, Resident, str, dict[str, Any]]:
    """bob (B) and alice (A) agree on 3.00 GRN for alice's bike repair, quote fixed: 6.00 BRQ."""
    a, b, alice, bob, listing = await listed(start_city)
    rule_uri = await agree_rule(a, b, **{"num": 2, "den": 1, "fee_bps": 100, **rule})
    await bob.ok("post", f"/listings/{listing['b']['id']}/negotiations", {"price": "3.00"})
    on_a = await until(alice, lambda t: len(t["offers"]) == 1)
    await alice.ok("post", f"/negotiations/{on_a['id']}/offers/{on_a['offers'][0]['id']}/accept")
    on_b = await until(bob, lambda t: t["agreement"] is not None)
    await until(alice, lambda t: t["agreement"] is not None)
    return a, b, alice, bob, rule_uri, on_b


async def test_a_trade_paid_across_cities_moves_the_agreed_amounts_on_both_ledgers(
    start_city: Any,
) -> None:
    a, b, alice, bob, _, thread = await agreed_trade(start_city)

    paid = await bob.ok("post", f"/negotiations/{thread['id']}/agreement/pay")
    settlement = paid["agreement"]["settlement"]
    assert settlement["source"] == {"amount": "6.00", "currency": "BRQ"}
    assert settlement["target"] == {"amount": "3.00", "currency": "GRN"}
    assert settlement["fee"] == "0.06"

    await until(bob, lambda t: t["agreement"]["state"] == "paid")
    await until(alice, lambda t: t["agreement"]["state"] == "paid")
    await settled(b)
    await settled(a)

    on_b, on_a = balances(b), balances(a)
    assert on_b["member:bob"] == (-606, 0, 0)
    assert on_b[peer(b, a)] == (600, 0, 0)
    assert on_b["system:fees"] == (6, 0, 0)
    assert on_a["member:alice"] == (300, 0, 0)
    assert on_a[peer(a, b)] == (-300, 0, 0)
    for city in (a, b):
        code, output = ledger_check(city)
        assert code == 0, output
    rows = [city.db.read_sync(lambda s: s.scalars(select(Settlement)).one()) for city in (b, a)]
    assert [row.state.value for row in rows] == ["acked", "committed"]
    assert rows[0].uri == rows[1].uri
    assert {(r.source_amount, r.target_amount, r.rule_hash) for r in rows} == {
        (600, 300, rows[0].rule_hash)
    }
    for city, name in ((a, "alice"), (b, "bob")):
        texts = city.db.read_sync(lambda s: [n.text for n in s.scalars(select(Notification))])
        assert any("paid" in text for text in texts), (name, texts)


async def test_paying_twice_starts_one_settlement(start_city: Any) -> None:
    a, b, alice, bob, _, thread = await agreed_trade(start_city)
    first = await bob.ok("post", f"/negotiations/{thread['id']}/agreement/pay")
    second = await bob.post(f"/negotiations/{thread['id']}/agreement/pay")
    await until(alice, lambda t: t["agreement"]["state"] == "paid")
    await settled(b)
    assert second.status_code in (200, 409)
    count = b.db.read_sync(lambda s: len(s.scalars(select(Settlement)).all()))
    assert count == 1
    assert (
        first["agreement"]["settlement"]["id"]
        == (await until(bob, lambda t: True))["agreement"]["settlement"]["id"]
    )
    assert balances(b)["member:bob"] == (-606, 0, 0)


async def test_a_payment_past_the_cap_is_refused_and_nothing_is_held(start_city: Any) -> None:
    # A's export cap 2.00 GRN: at B (the payer's city) peer:A may rise to 4.00 BRQ only
    a, b, alice, bob, _, thread = await agreed_trade(start_city, export_cap=200)
    answer = await bob.post(f"/negotiations/{thread['id']}/agreement/pay")
    assert answer.status_code == 409, answer.text
    assert answer.json()["error"]["code"] == "cap_exceeded"
    assert b.db.read_sync(lambda s: s.scalars(select(Settlement)).all()) == []
    assert balances(b).get("member:bob", (0, 0, 0)) == (0, 0, 0)


async def held_or_paid(city: Any) -> bool:
    rows = city.db.read_sync(lambda s: s.scalars(select(Settlement)).all())
    return bool(rows) and rows[0].state.value in ("prepared", "committed")


async def rule_status(city: Any, status: str) -> bool:
    rows = city.db.read_sync(lambda s: s.scalars(select(ExchangeRule)).all())
    return bool(rows) and rows[-1].status.value == status


async def paid_in(resident: Resident, context: str) -> bool:
    """Whether the resident's side of the thread `context` shows its agreement paid."""
    page = (await resident.get("/negotiations")).json()["negotiations"]
    return any(
        t["context"] == context and t["agreement"] and t["agreement"]["state"] == "paid"
        for t in page
    )


async def another_agreement(
    a: Any, b: Any, alice: Resident, bob: Resident, rule_uri: str, title: str
) -> str:
    """alice lists something else for 1.00 GRN and accepts bob's offer: the thread's id at B."""
    listing = await alice.ok(
        "post", "/listings", {"purpose": "offer", "title": title, "price": "1.00"}
    )
    remote = await eventually(lambda: remote_listing(b, bob, listing["uri"]))
    opened = await bob.ok("post", f"/listings/{remote['id']}/negotiations", {"price": "1.00"})

    async def offered() -> dict[str, Any] | None:
        page = (await alice.get("/negotiations")).json()["negotiations"]
        return next((t for t in page if t["context"] == opened["context"] and t["offers"]), None)

    on_a = await eventually(offered)
    await alice.ok("post", f"/negotiations/{on_a['id']}/offers/{on_a['offers'][0]['id']}/accept")

    async def agreed() -> dict[str, Any] | None:
        thread = (await bob.get(f"/negotiations/{opened['id']}")).json()
        return thread if thread["agreement"] is not None else None

    await eventually(agreed)

    async def agreed_at_a() -> bool:
        page = (await alice.get("/negotiations")).json()["negotiations"]
        return any(t["context"] == opened["context"] and t["agreement"] for t in page)

    await eventually(agreed_at_a)
    return str(opened["id"])


async def test_a_suspended_rule_blocks_new_settlements_but_one_in_flight_finishes(
    start_city: Any,
) -> None:
    a, b, alice, bob, rule_uri, thread = await agreed_trade(start_city)
    second = await another_agreement(a, b, alice, bob, rule_uri, "Lamp")

    await bob.ok("post", f"/negotiations/{thread['id']}/agreement/pay")
    await eventually(lambda: held_or_paid(a))  # A voted yes: the settlement is in flight
    await suspend(a, b)  # A's admin suspends the rule; it tells B

    await eventually(lambda: rule_status(b, "suspended"))
    refused = await bob.post(f"/negotiations/{second}/agreement/pay")
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "rule_suspended"
    await eventually(lambda: paid_in(alice, thread["context"]))

    async def acked_at_b() -> bool:  # B's last step waits for A's receipt
        states = b.db.read_sync(lambda s: [r.state.value for r in s.scalars(select(Settlement))])
        return states == ["acked"]

    await eventually(acked_at_b)
    await settled(a)
    await settled(b)
    assert balances(a)["member:alice"] == (300, 0, 0)
    assert balances(b)["member:bob"] == (-606, 0, 0)


async def test_the_buyer_pays_across_cities_from_the_thread_page(start_city: Any) -> None:
    a, b, alice, bob, _, thread = await agreed_trade(start_city)
    browser = Browser(httpx.AsyncClient(base_url=b.url, timeout=10))
    try:
        login = await browser.submit(
            "/login", "/login", username="bob", password="correct horse battery"
        )
        assert login.status_code == 303
        page = f"/negotiations/{thread['id']}"
        assert "Pay 3.00 GRN" in (await browser.client.get(page)).text
        asked = await browser.submit(page, f"{page}/pay")
        assert "You are about to pay for 1 × “Bike repair” for 3.00 GRN" in asked.text
        assert "3.00 GRN = 6.00 BRQ, fixed at agreement" in asked.text
        paid = await browser.submit(page, f"{page}/pay", step="confirm")
        assert paid.status_code == 303

        async def shown() -> bool:
            text = (await browser.client.get(page)).text
            return "Paid across cities: 6.00 BRQ here, 3.00 GRN there." in text

        await eventually(shown)
        assert "Pay 3.00 GRN" not in (await browser.client.get(page)).text
        receipt = (await browser.client.get(f"{page}/receipt")).text
        assert "3.00 GRN = 6.00 BRQ" in receipt and "@bob" in receipt
        assert f"@alice@{a.settings.domain}" in receipt and "/settlements/" in receipt
        history = (await browser.client.get("/account")).text
        assert "Bike repair" in history and f"@alice@{a.settings.domain}" in history
    finally:
        await browser.client.aclose()
