"""Settlement recovery between real cities, with messages lost, delayed and repeated.

Each city sits behind a fault-injecting proxy (tests/faults.py): the other city reaches it
only through the proxy, which forwards, drops, duplicates or delays each request as the test
says. A is the payee's city, B the payer's (see test_settlement.py). Times are short: B's
holds last 4 s and B decides at the latest 2 s after preparing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import select

from models import ExchangeRule, Notification, RuleStatus, Settlement, SettlementState

from ..cli import comptoir
from ..faults import FaultProxy, Seen
from ..live import LiveCity, free_port_socket
from .helpers import eventually, settled
from .settlement import balances, ledger_check
from .test_settlement import agreed_trade
from .test_settlement_refusals import offer, rule_of, send

FAST = {"hold_seconds": 4, "decision_margin_seconds": 2, "sweep_seconds": 1}


@pytest.fixture
async def proxied(make_settings: Callable[..., Any]) -> AsyncIterator[Callable[..., Any]]:
    """Start cities behind fault proxies; `proxied.proxies[city]` is the city's proxy."""
    started: list[tuple[LiveCity, FaultProxy]] = []

    async def start(*, run_worker: bool = True, **sections: Any) -> LiveCity:
        front, back = free_port_socket(), free_port_socket()
        settings = make_settings(
            domain=f"127.0.0.1:{front.getsockname()[1]}",
            settlement=FAST,
            **sections,
        )
        city = LiveCity(settings, back, run_worker=run_worker)
        await city.start()
        proxy = FaultProxy(front)
        await proxy.start(f"http://127.0.0.1:{back.getsockname()[1]}")
        city.proxy = proxy  # type: ignore[attr-defined]
        started.append((city, proxy))
        return city

    yield start
    for city, proxy in reversed(started):
        await proxy.stop()
        await city.stop()


def first(kind: str, count: int = 1) -> Callable[[Seen], Any]:
    """A rule dropping the first `count` settlement activities of this kind."""
    seen = {"n": 0}

    def rule(request: Seen) -> Any:
        if request.type == kind and request.body and "/settlements/" in str(request.body.get("id")):
            seen["n"] += 1
            if seen["n"] <= count:
                return "drop"
        return None

    return rule


def row(city: Any) -> Settlement:
    found: Settlement = city.db.read_sync(lambda s: s.scalars(select(Settlement)).one())
    return found


async def in_state(city: Any, *states: SettlementState) -> bool:
    rows = city.db.read_sync(lambda s: s.scalars(select(Settlement)).all())
    return bool(rows) and rows[0].state in states


async def test_a_lost_commit_is_sent_again_until_the_payee_city_applies_it(proxied: Any) -> None:
    a, b, alice, bob, _, thread = await agreed_trade(proxied)
    a.proxy.rule = first("Settle")
    await bob.ok("post", f"/negotiations/{thread['id']}/agreement/pay")
    await eventually(lambda: in_state(a, SettlementState.committed), timeout=20)
    await eventually(lambda: in_state(b, SettlementState.acked), timeout=20)
    assert a.proxy.faults["drop"] == 1
    assert balances(a)["member:alice"] == (300, 0, 0)
    for city in (a, b):
        assert ledger_check(city)[0] == 0


async def test_a_payee_city_that_never_hears_the_decision_asks_the_payer_city(
    proxied: Any,
) -> None:
    a, b, alice, bob, _, thread = await agreed_trade(proxied)
    a.proxy.rule = first("Settle", count=1000)  # every commit to A is lost
    await bob.ok("post", f"/negotiations/{thread['id']}/agreement/pay")
    await eventually(lambda: in_state(b, SettlementState.committed))
    # past the hold's expiry A fetches B's Settlement object (signed GET) and follows it
    await eventually(lambda: in_state(a, SettlementState.committed), timeout=20)
    assert a.proxy.faults["drop"] >= 1
    assert balances(a)["member:alice"] == (300, 0, 0)
    assert ledger_check(a)[0] == 0


async def test_a_settlement_with_no_vote_by_the_deadline_is_aborted_on_both_sides(
    proxied: Any,
) -> None:
    a, b, alice, bob, _, thread = await agreed_trade(proxied)
    b.proxy.rule = first("Accept", count=1000)  # A's votes never reach B
    await bob.ok("post", f"/negotiations/{thread['id']}/agreement/pay")
    await eventually(lambda: in_state(a, SettlementState.prepared))
    await eventually(lambda: in_state(b, SettlementState.aborted), timeout=20)
    await eventually(lambda: in_state(a, SettlementState.aborted), timeout=20)
    assert row(b).code == "no_vote_before_deadline"
    await settled(a)
    await settled(b)
    for city in (a, b):
        assert {k: v for k, v in balances(city).items() if v != (0, 0, 0)} == {}
        assert ledger_check(city)[0] == 0
    page = (await bob.get(f"/negotiations/{thread['id']}")).json()
    assert page["agreement"]["state"] == "agreed"  # it may be paid again


async def test_duplicated_and_delayed_messages_settle_once(proxied: Any) -> None:
    a, b, alice, bob, _, thread = await agreed_trade(proxied)

    def chaos(request: Seen) -> Any:
        if request.type in ("Offer", "Settle", "Accept"):
            return "duplicate" if request.type != "Settle" else ("delay", 0.5)
        return None

    a.proxy.rule = b.proxy.rule = chaos
    await bob.ok("post", f"/negotiations/{thread['id']}/agreement/pay")
    await eventually(lambda: in_state(b, SettlementState.acked), timeout=20)
    await settled(a)
    assert balances(a)["member:alice"] == (300, 0, 0)
    assert balances(b)["member:bob"] == (-606, 0, 0)
    assert a.proxy.faults["duplicate"] + b.proxy.faults["duplicate"] >= 2


async def test_a_commit_arriving_before_its_offer_is_parked_then_applied(proxied: Any) -> None:
    a, b, _, _, _, thread = await agreed_trade(proxied)
    document = offer(b, a, thread, rule_of(a))
    uri = document["object"]["id"]
    commit = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{uri}/commit",
        "type": "Settle",
        "actor": f"{b.url}/actor",
        "object": uri,
    }
    await send(a, b, commit)
    await send(a, b, document)
    await eventually(lambda: in_state(a, SettlementState.committed), timeout=20)
    assert balances(a)["member:alice"] == (300, 0, 0)


async def test_an_abort_arriving_before_its_offer_makes_the_late_offer_refused(
    proxied: Any,
) -> None:
    a, b, _, _, _, thread = await agreed_trade(proxied)
    document = offer(b, a, thread, rule_of(a))
    abort = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{document['object']['id']}/abort",
        "type": "Undo",
        "actor": f"{b.url}/actor",
        "object": document["id"],
    }
    await send(a, b, abort)
    await eventually(lambda: in_state(a, SettlementState.aborted))
    await send(a, b, document)
    await settled(a)
    assert row(a).state is SettlementState.aborted
    assert {k: v for k, v in balances(a).items() if v != (0, 0, 0)} == {}


async def test_an_unreachable_payer_city_keeps_the_hold_until_an_admin_forces_it(
    proxied: Any,
) -> None:
    a, b, alice, bob, _, thread = await agreed_trade(proxied)
    a.proxy.rule = first("Settle", count=1000)
    await bob.ok("post", f"/negotiations/{thread['id']}/agreement/pay")
    await eventually(lambda: in_state(b, SettlementState.committed))
    b.proxy.rule = lambda request: "drop" if request.method == "GET" else None
    await b.proxy.stop()  # B cannot be reached any more
    await eventually(lambda: _code(a, "partner_unreachable"), timeout=20)
    assert row(a).state is SettlementState.prepared
    assert balances(a)["member:alice"] == (0, 0, 300)  # the hold is kept
    alerts = a.db.read_sync(lambda s: [n.text for n in s.scalars(select(Notification))])
    assert any("cannot be asked for its decision" in text for text in alerts), alerts

    ran = comptoir(
        a.settings.path,
        "settlements",
        "resolve",
        row(a).public_id,
        "commit",
        "--reason",
        "B confirmed by phone",
    )
    assert ran.returncode == 0, ran.stderr
    forced = row(a)
    assert (forced.state, forced.disputed) == (SettlementState.committed, True)
    assert balances(a)["member:alice"] == (300, 0, 0)
    statuses = a.db.read_sync(lambda s: [r.status for r in s.scalars(select(ExchangeRule))])
    assert RuleStatus.suspended in statuses and RuleStatus.active not in statuses


async def _code(city: Any, code: str) -> bool:
    rows = city.db.read_sync(lambda s: s.scalars(select(Settlement)).all())
    return bool(rows) and rows[0].code == code
