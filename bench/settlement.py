"""Cross-city settlements per second between two loopback cities, and confirmation -> posted.

    .venv/bin/python -m bench.settlement [--settlements 60] [--concurrency 10] [--backend sqlite]

Two real cities (uvicorn on loopback, workers in process, both in this one process and event
loop, real HTTP and real signatures between them), A (GRN) and B (BRQ), with an exchange rule
A proposed and B accepted over the wire. Set-up (not timed): alice of A lists an item, bob of
B makes N offers and alice accepts each one, so N agreements exist in both cities with their
quote fixed. Then:

- baseline (same run): N local payments at B, bob to carol, through the same API
  (`POST /ledger/transfers`), `--concurrency` at a time: the local payment rate;
- settlements: bob pays the N agreements (`POST /negotiations/{id}/agreement/pay`),
  `--concurrency` at a time; each is timed from the request's start (the buyer's
  confirmation) to the moment the payee city posted it (its row's `decided_at`; the payer
  city posts first, on the vote). Rate = N / (last posted - first request).

Both ledgers must pass `ledger check` afterwards and every settlement must have committed.
Reuses the test suite's live-city helpers (tests/live.py, tests/e2e/*).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from exchange.ledger import check_ledger
from instance.settings import load_settings
from models import Settlement, SettlementRole, SettlementState
from tests.conftest import write_config
from tests.e2e.helpers import eventually
from tests.e2e.market import Resident, follow_market, remote_listing
from tests.e2e.settlement import agree_rule
from tests.live import LiveCity, free_port_socket

from .common import fresh_database, row


async def start(directory: Path, url: str, **sections: Any) -> LiveCity:
    sock = free_port_socket()
    path = write_config(
        directory, domain=f"127.0.0.1:{sock.getsockname()[1]}", database_url=url, **sections
    )
    city = LiveCity(load_settings(path), sock, run_worker=True)
    await city.start()
    return city


async def agreements(a: LiveCity, b: LiveCity, alice: Resident, bob: Resident, n: int) -> list[str]:
    await follow_market(bob, a)
    made = await alice.ok(
        "post", "/listings", {"purpose": "offer", "title": "Help", "price": "1.00", "quantity": n}
    )
    listing = await eventually(lambda: remote_listing(b, bob, made["uri"]))
    threads = []
    for _ in range(n):
        opened = await bob.ok("post", f"/listings/{listing['id']}/negotiations", {"price": "1.00"})

        async def offered(context: str = opened["context"]) -> Any:
            page = (await alice.get("/negotiations", limit="100")).json()["negotiations"]
            return next((t for t in page if t["context"] == context and t["offers"]), None)

        at_a = await eventually(offered, timeout=60)
        await alice.ok(
            "post", f"/negotiations/{at_a['id']}/offers/{at_a['offers'][0]['id']}/accept"
        )

        async def agreed(thread: str = opened["id"]) -> bool:
            return (await bob.get(f"/negotiations/{thread}")).json()["agreement"] is not None

        await eventually(agreed, timeout=60)
        threads.append(opened["id"])
    return threads


async def limited(concurrency: int, calls: list[Any]) -> list[Any]:
    gate = asyncio.Semaphore(concurrency)

    async def one(call: Any) -> Any:
        async with gate:
            return await call()

    return await asyncio.gather(*(one(call) for call in calls))


async def run(n: int, concurrency: int, backend: str) -> None:
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        url_a = stack.enter_context(fresh_database(backend))
        url_b = stack.enter_context(fresh_database(backend))
        a = await start(Path(tmp) / "a", url_a, moderation={"listing_review": "after"})
        b = await start(
            Path(tmp) / "b",
            url_b,
            moderation={"listing_review": "after"},
            currency={"code": "BRQ", "credit_limit": "100000.00"},
        )
        try:
            await agree_rule(
                a, b, num=2, den=1, max_amount=10**9, import_cap=10**11, export_cap=10**11
            )
            alice, bob = Resident(a, "alice"), Resident(b, "bob")
            Resident(b, "carol")
            threads = await agreements(a, b, alice, bob, n)

            async def local() -> None:
                answer = await bob.post("/ledger/transfers", {"to": "carol", "amount": "1.00"})
                assert answer.status_code in (200, 201), answer.text

            started = time.perf_counter()
            await limited(concurrency, [local] * n)
            local_rate = n / (time.perf_counter() - started)

            payer = bob
            starts: dict[str, float] = {}

            def pay(thread: str) -> Any:
                async def call() -> None:
                    starts[thread] = time.time()
                    answer = await payer.post(f"/negotiations/{thread}/agreement/pay")
                    assert answer.status_code == 200, answer.text

                return call

            first = time.time()
            await limited(concurrency, [pay(t) for t in threads])

            def posted(session: Any) -> list[Settlement]:
                return list(
                    session.scalars(
                        select(Settlement).where(
                            Settlement.role == SettlementRole.payee,
                            Settlement.state == SettlementState.committed,
                        )
                    )
                )

            async def all_posted() -> bool:
                return len(a.db.read_sync(posted)) == n

            await eventually(all_posted, timeout=300)
            rows = a.db.read_sync(posted)
            by_agreement = {}
            for thread in threads:
                view = (await payer.get(f"/negotiations/{thread}")).json()
                by_agreement[view["agreement"]["uri"]] = starts[thread]
            latencies = sorted(
                r.decided_at.timestamp() - by_agreement[r.agreement_uri] for r in rows
            )
            last = max(r.decided_at.timestamp() for r in rows)
            rate = n / (last - first)
            for city in (a, b):
                report = city.db.read_sync(check_ledger)
                assert report.ok, report.violations
            p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
            row(f"{backend}: local payments at B (baseline)", local_rate, "/s")
            row(f"{backend}: settlements B -> A", rate, "/s", local_rate)
            row(
                f"{backend}: confirmation -> posted at both, p50",
                statistics.median(latencies) * 1000,
                "ms",
            )
            row(f"{backend}: confirmation -> posted at both, p99", p99 * 1000, "ms")
        finally:
            for city in (b, a):
                await city.stop()
                city.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--settlements", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    started = datetime.now(UTC)
    print(f"bench.settlement {started:%Y-%m-%d %H:%M} UTC, {args.settlements} settlements")
    asyncio.run(run(args.settlements, args.concurrency, args.backend))


if __name__ == "__main__":
    main()
