"""The settlement fault-injection harness: N random cross-city settlements between two live
cities while deliveries are dropped, duplicated and delayed (so reordered) and the cities are
restarted between steps; then, after quiescence, the invariants:

- every ledger sums to zero and no account is past its limits (`ledger check`: no cap passed);
- both cities hold the same committed settlements with the same amount pairs;
- no settlement is left open, and no payee hold outlived its expiry by more than the sweep
  interval plus the time to act on it.

Both cities sit behind fault proxies (tests/faults.py). Trades go both ways: bob (B) buys
from alice (A), dave (A) buys from carol (B), at random prices. The run prints the faults
injected and how many settlements committed and aborted.

In CI: N = 6 (`SETTLEMENT_FAULTS_N` overrides). The long run, documented in
docs/BENCHMARKS.md:

    SETTLEMENT_FAULTS_N=200 python3 dev.py test tests/e2e/test_settlement_faults.py -k sqlite -s
"""

from __future__ import annotations

import os
import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from exchange.ledger import check_ledger
from models import Settlement, SettlementRole, SettlementState

from ..faults import Seen
from ..live import LiveCity, free_port_socket
from .helpers import eventually, settled
from .market import Resident, follow_market, remote_listing
from .settlement import agree_rule
from .test_settlement_recovery import FAST, proxied  # noqa: F401 (the fixture)

N = int(os.environ.get("SETTLEMENT_FAULTS_N", "6"))
#: restart one city after every this many payments
RESTART_EVERY = 4
OPEN = (SettlementState.preparing, SettlementState.prepared)


class Chaos:
    """Per request: drop, duplicate or delay settlement activities (the protocol's own
    messages; the negotiation before them is left alone), counting what it did.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.on = False

    def __call__(self, request: Seen) -> Any:
        if not self.on or request.method != "POST" or request.body is None:
            return None
        body_id = str(request.body.get("id", ""))
        obj = request.body.get("object")
        about = obj.get("id") if isinstance(obj, dict) else obj
        if "/settlements/" not in body_id and "/settlements/" not in str(about):
            return None
        roll = self.rng.random()
        if roll < 0.12:
            return "drop"
        if roll < 0.24:
            return "duplicate"
        if roll < 0.36:
            return ("delay", self.rng.uniform(0.1, 1.5))
        return None


async def restart(city: LiveCity) -> LiveCity:
    """Stop the city's server and worker and start it again on its database (a crash between
    two steps, as far as the other city can tell); its proxy now forwards to the new port.
    """
    settings, proxy = city.settings, city.proxy  # type: ignore[attr-defined]
    await city.stop()
    back = free_port_socket()
    again = LiveCity(settings, back, run_worker=True)
    await again.start()
    again.proxy = proxy  # type: ignore[attr-defined]
    await proxy.retarget(f"http://127.0.0.1:{back.getsockname()[1]}")
    return again


def rows(city: LiveCity) -> list[Settlement]:
    found: list[Settlement] = city.db.read_sync(lambda s: list(s.scalars(select(Settlement))))
    return found


async def quiet(cities: list[LiveCity]) -> bool:
    for city in cities:
        if any(r.state in OPEN for r in rows(city)):
            return False
        if any(
            r.state is SettlementState.committed and r.role is SettlementRole.payer
            for r in rows(city)
        ):
            return False  # a receipt is still to come
    return True


async def test_random_settlements_under_faults_keep_both_ledgers_consistent(
    proxied: Any,  # noqa: F811
) -> None:
    rng = random.Random(int(os.environ.get("SETTLEMENT_FAULTS_SEED", "12")))
    a = await proxied(moderation={"listing_review": "after"})
    b = await proxied(moderation={"listing_review": "after"}, currency={"code": "BRQ"})
    alice, dave = Resident(a, "alice"), Resident(a, "dave")
    bob, carol = Resident(b, "bob"), Resident(b, "carol")
    residents = {"alice": alice, "dave": dave, "bob": bob, "carol": carol}
    await follow_market(bob, a)
    await follow_market(dave, b)
    # one GRN buys two BRQ; caps of 40.00 GRN each way, so some payments meet the cap
    await agree_rule(a, b, num=2, den=1, fee_bps=50, import_cap=4000, export_cap=4000)
    pairs = [(alice, bob), (carol, dave)]  # (seller, buyer)
    listings = {}
    for seller, buyer in pairs:
        made = await seller.ok(
            "post",
            "/listings",
            {
                "purpose": "offer",
                "title": f"Help from {seller.name}",
                "price": "1.00",
                "quantity": N,
            },
        )
        listings[seller.name] = await eventually(
            lambda buyer=buyer, uri=made["uri"]: remote_listing(buyer.city, buyer, uri)
        )

    trades: list[tuple[str, str]] = []  # (buyer's name, thread id at the buyer's city)
    for _ in range(N):
        seller, buyer = rng.choice(pairs)
        price = f"{rng.randint(1, 900) / 100:.2f}"
        opened = await buyer.ok(
            "post", f"/listings/{listings[seller.name]['id']}/negotiations", {"price": price}
        )

        async def offered(seller: Resident = seller, context: str = opened["context"]) -> Any:
            page = (await seller.get("/negotiations", limit="100")).json()["negotiations"]
            return next((t for t in page if t["context"] == context and t["offers"]), None)

        at_seller = await eventually(offered)
        await seller.ok(
            "post",
            f"/negotiations/{at_seller['id']}/offers/{at_seller['offers'][0]['id']}/accept",
        )

        async def agreed(buyer: Resident = buyer, thread: str = opened["id"]) -> bool:
            answer = (await buyer.get(f"/negotiations/{thread}")).json()
            return answer["agreement"] is not None

        await eventually(agreed)
        trades.append((buyer.name, opened["id"]))
    for city in (a, b):
        await settled(city)

    chaos = Chaos(rng)
    a.proxy.rule = b.proxy.rule = chaos
    chaos.on = True
    cities = {"a": a, "b": b}
    restarts = 0
    refused: dict[str, int] = {}
    for n, (name, thread) in enumerate(trades, 1):
        buyer = residents[name]
        answer = await buyer.post(f"/negotiations/{thread}/agreement/pay")
        if answer.status_code != 200:
            code = answer.json()["error"]["code"]
            refused[code] = refused.get(code, 0) + 1
        if n % RESTART_EVERY == 0:
            key = rng.choice(["a", "b"])
            cities[key] = await restart(cities[key])
            restarts += 1
            for resident in residents.values():
                if resident.city.settings.path == cities[key].settings.path:
                    resident.city = cities[key]
    chaos.on = False
    a, b = cities["a"], cities["b"]
    hold = timedelta(seconds=FAST["hold_seconds"])
    try:
        await eventually(lambda: quiet([a, b]), timeout=60 + N * 0.5)
    except AssertionError:
        for city in (a, b):
            stuck = [
                (r.role.value, r.state.value, r.code, r.uri)
                for r in rows(city)
                if r.state in OPEN or r.state is SettlementState.committed
            ]
            print(f"\n{city.url} not quiet: {stuck}")
        raise
    for city in (a, b):
        await settled(city, timeout=60)

    for city in (a, b):
        report = city.db.read_sync(check_ledger)
        assert report.ok, report.violations
    for payer_city, payee_city in ((a, b), (b, a)):
        sent = {
            r.uri: (r.source_amount, r.target_amount)
            for r in rows(payer_city)
            if r.role is SettlementRole.payer and r.state is SettlementState.acked
        }
        got = {
            r.uri: (r.source_amount, r.target_amount)
            for r in rows(payee_city)
            if r.role is SettlementRole.payee and r.state is SettlementState.committed
        }
        assert sent == got
    late = [
        (r.decided_at - r.expires_at).total_seconds()
        for city in (a, b)
        for r in rows(city)
        if r.role is SettlementRole.payee
        and r.state in (SettlementState.committed, SettlementState.aborted)
        and r.decided_at is not None
        and r.expires_at is not None
        and r.decided_at > r.expires_at
    ]
    allowed = FAST["sweep_seconds"] + hold.total_seconds() + 10  # plus restarts and job pickup
    assert all(seconds <= allowed for seconds in late), late
    everything = rows(a) + rows(b)
    committed = sum(
        1 for r in everything if r.role is SettlementRole.payer and r.state is SettlementState.acked
    )
    aborted = sum(
        1
        for r in everything
        if r.role is SettlementRole.payer and r.state is SettlementState.aborted
    )
    faults = a.proxy.faults + b.proxy.faults
    print(
        f"\nsettlement faults: {N} payments, faults injected {dict(faults)}, "
        f"{restarts} restarts; committed {committed}, aborted {aborted}, "
        f"refused before prepare {refused}; latest payee decision {max(late, default=0):.1f} s "
        "after its hold's expiry"
    )
    assert committed + aborted + sum(refused.values()) >= N
