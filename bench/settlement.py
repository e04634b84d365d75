"""Cross-city settlements per second between two loopback cities, and confirmation -> posted.

    .venv/bin/python -m bench.settlement [--settlements 60] [--concurrency 10]
        [--backend sqlite|postgresql] [--detail]

Two real cities, A (GRN) and B (BRQ), real HTTP and real signatures between them, with an
exchange rule A proposed and B accepted over the wire. Set-up (not timed), with both cities
in this process (tests/live.py): alice of A lists an item, bob of B makes N + 1 offers and
alice accepts each one, so N + 1 agreements exist in both cities with their quote fixed. Bob
pays one of them there, to count the database transactions each city runs for one settlement
(`--detail`: by function) and time it alone. Then each city runs in its own process
(`comptoir serve`, web and worker, on the same port), and over HTTP:

- baseline (same run): N local payments at B, bob to carol, through the same API
  (`POST /ledger/transfers`), `--concurrency` at a time: the local payment rate;
- settlements: bob pays the N agreements (`POST /negotiations/{id}/agreement/pay`, with
  `Prefer: return=minimal`: the outcome, not the thread's JSON), `--concurrency` at a
  time; each is timed from the request's start (the buyer's confirmation) to the moment
  the payee city posted it (its row's `decided_at`; the payer city posts first, on the
  vote). Rate = N / (last posted - first request).

Each phase prints the CPU the two city processes used, divided by N; the settlements also
print, on PostgreSQL, the CPU of the database server's backends serving the bench's
database (COMPTOIR_BENCH_PG names it: give the bench a database of its own when tests run
beside it), and how many of the machine's cores were busy, all processes counted. Both
ledgers must pass `ledger check` afterwards and every settlement must have committed.

BENCH_PROFILE=DIR samples both city processes with py-spy during the settlements (raw
stacks in DIR/a.txt, DIR/b.txt; py-spy is not a dependency: `pip install py-spy` into the
virtualenv). BENCH_SQL=FILE writes every statement of the one counted settlement to FILE,
by city.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, func, select

from exchange.ledger import check_ledger
from instance.settings import load_settings
from models import Settlement, SettlementRole, SettlementState
from tests.conftest import write_config
from tests.e2e.helpers import eventually, settled
from tests.e2e.market import API, Resident, follow_market, remote_listing
from tests.e2e.settlement import agree_rule
from tests.live import LiveCity, free_port_socket

from .common import fresh_database, row

COMPTOIR = str(Path(sys.executable).with_name("comptoir"))


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


#: --detail: count transactions by the function that ran them, too
DETAIL = False

#: False in the bench's polling tasks, whose transactions are not the settlement's
_COUNTED: contextvars.ContextVar[bool] = contextvars.ContextVar("counted", default=True)


async def count_transactions(a: LiveCity, b: LiveCity, bob: Resident, thread: str) -> None:
    """Pay one agreement with the cities still in this process and count the database
    transactions each city runs from the pay request to the receipt (a settlement's whole
    protocol, sweeps aside): the figure the hop costs are made of."""
    counts: dict[str, int] = {}

    def counting(city: str, kind: str, inner: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not _COUNTED.get():  # the bench's own polling
                return inner(*args, **kwargs)
            counts[f"{city} {kind}"] = counts.get(f"{city} {kind}", 0) + 1
            if DETAIL:
                work = args[0]
                name = getattr(getattr(work, "func", work), "__qualname__", repr(work))
                what = f"{city} {kind}: {name}"
                counts[what] = counts.get(what, 0) + 1
            return inner(*args, **kwargs)

        return wrapper

    saved = []
    for name, city in (("A", a), ("B", b)):
        db = city.db
        saved.append((db, db._commit, db.read_sync))
        db._commit = counting(name, "writes", db._commit)
        db.read_sync = counting(name, "reads", db.read_sync)
    statements = open(os.environ["BENCH_SQL"], "w") if os.environ.get("BENCH_SQL") else None

    def logging_to(city: str) -> Callable[..., None]:
        def before_cursor_execute(
            conn: Any, cursor: Any, statement: str, *args: Any, **kwargs: Any
        ) -> None:
            if statements is not None and _COUNTED.get():
                statements.write(f"{city} | {' '.join(statement.split())[-160:]}\n")

        return before_cursor_execute

    listeners = [(city.db.engine, logging_to(name)) for name, city in (("A", a), ("B", b))]
    for engine, listener in listeners:
        event.listen(engine, "before_cursor_execute", listener)
    try:
        started = time.time()
        answer = await b.http.post(  # as in the timed part: the outcome, not the thread
            f"{API}/negotiations/{thread}/agreement/pay",
            json={},
            headers={**bob._headers(), "Prefer": "return=minimal"},
        )
        assert answer.status_code == 200, answer.text

        def acked(session: Any) -> bool:
            row_ = session.scalar(select(Settlement).where(Settlement.role == SettlementRole.payer))
            return row_ is not None and row_.state is SettlementState.acked

        async def quietly() -> None:
            _COUNTED.set(False)
            await eventually(lambda: b.db.read(acked), timeout=60)
            await settled(a)
            await settled(b)

        await asyncio.create_task(quietly())
    finally:
        for db, commit, read in saved:
            db._commit, db.read_sync = commit, read
        for engine, listener in listeners:
            event.remove(engine, "before_cursor_execute", listener)
        if statements is not None:
            statements.close()
    for key in sorted(counts):
        row(f"transactions for one settlement, {key}", counts[key], "")

    def decided(session: Any) -> float:
        posted = session.scalar(select(Settlement).where(Settlement.role == SettlementRole.payee))
        return float(posted.decided_at.timestamp())

    alone = a.db.read_sync(decided) - started
    row("one settlement alone (one process): confirmation -> posted", alone * 1000, "ms")


def serve(config: Path, port: int) -> subprocess.Popen[bytes]:
    """The city as it runs in production: `comptoir serve`, web and worker in its own process."""
    command = [COMPTOIR, "serve", "--config", str(config), "--port", str(port)]
    return subprocess.Popen(
        [*command, "--log-level", "WARNING"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def profile(cities: list[subprocess.Popen[bytes]]) -> list[subprocess.Popen[bytes]]:
    """With BENCH_PROFILE=DIR: py-spy samples each city (DIR/a.txt, DIR/b.txt, raw stacks).

    BENCH_PROFILE_GIL=1 keeps only the samples of the thread holding the GIL: Python's CPU,
    without the threads waiting for a commit, a lock or the GIL itself (which otherwise fill
    half the samples of a loaded machine). BENCH_PROFILE_RATE sets the samples per second
    (100 by default)."""
    directory = os.environ.get("BENCH_PROFILE")
    if not directory:
        return []
    spy = str(Path(sys.executable).with_name("py-spy"))
    rate = os.environ.get("BENCH_PROFILE_RATE", "100")
    return [
        subprocess.Popen(
            [spy, "record", "--pid", str(p.pid), "-r", rate, "-f", "raw", "--nonblocking"]
            + (["--gil"] if os.environ.get("BENCH_PROFILE_GIL") else [])
            + ["-o", f"{directory}/{name}.txt"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, p in zip("ab", cities, strict=True)
    ]


def cpu_seconds(process: subprocess.Popen[bytes]) -> float:
    """User + system CPU the process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_cpu_seconds(database: str) -> float:
    """User + system CPU of the PostgreSQL server's backends serving `database` so far (Linux
    /proc). The cities keep their pooled
    connections through a phase, so the backends live through it; other databases' backends
    (tests running beside) are not counted."""
    total = 0
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            title = (proc / "cmdline").read_bytes().replace(b"\0", b" ").split()
            # `postgres: [CLUSTER:] USER DATABASE ...`
            if title[:1] != [b"postgres:"] or database.encode() not in title[2:4]:
                continue
            fields = (proc / "stat").read_text().rpartition(")")[2].split()
        except (OSError, IndexError):  # the process ended while we looked
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent not idle so far (Linux /proc/stat)."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


async def answering(url: str, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(600):
            if process.poll() is not None:
                raise RuntimeError(f"{url} exited with {process.returncode}")
            try:
                if (await client.get(f"{url}/.well-known/nodeinfo")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError(f"{url} did not start")


async def run(n: int, concurrency: int, backend: str) -> None:
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        url_a = stack.enter_context(fresh_database(backend))
        url_b = stack.enter_context(fresh_database(backend))
        # no API rate limit: bob's set-up, payments and reads pass the default 300 requests
        # per token and five minutes from N = 60 on (the bench's own final read of a thread
        # then got a 429 and stopped on `KeyError: 'agreement'`)
        unlimited = {"requests_per_5_minutes": 0, "anonymous_requests_per_5_minutes": 0}
        a = await start(
            Path(tmp) / "a", url_a, moderation={"listing_review": "after"}, api=unlimited
        )
        b = await start(
            Path(tmp) / "b",
            url_b,
            moderation={"listing_review": "after"},
            currency={"code": "BRQ", "credit_limit": "100000.00"},
            api=unlimited,
        )
        try:
            await agree_rule(
                a, b, num=2, den=1, max_amount=10**9, import_cap=10**11, export_cap=10**11
            )
            alice, bob = Resident(a, "alice"), Resident(b, "bob")
            Resident(b, "carol")
            threads = await agreements(a, b, alice, bob, n + 1)
            await count_transactions(a, b, bob, threads.pop())
            ports = [city.sock.getsockname()[1] for city in (a, b)]
        finally:
            for city in (b, a):
                await city.stop()
        # Timed part: each city in its own `comptoir serve` process, on the same port.
        cities = [
            serve(Path(tmp) / name / "instance.toml", port)
            for name, port in zip("ab", ports, strict=True)
        ]
        try:
            for city, process in zip((a, b), cities, strict=True):
                await answering(city.url, process)
            await measure(a, b, bob, threads, cities, concurrency, backend)
        finally:
            for process in cities:
                process.terminate()
            for process in cities:
                process.wait(timeout=30)
            for city in (b, a):
                city.db.dispose()


async def measure(
    a: LiveCity,
    b: LiveCity,
    bob: Resident,
    threads: list[str],
    cities: list[subprocess.Popen[bytes]],
    concurrency: int,
    backend: str,
) -> None:
    n = len(threads)
    api = f"{b.url}/api/comptoir/v1"
    headers = {"Authorization": f"Bearer {bob.token}"}
    async with httpx.AsyncClient(base_url=api, headers=headers, timeout=60) as client:

        async def local() -> None:
            answer = await client.post("/ledger/transfers", json={"to": "carol", "amount": "1.00"})
            assert answer.status_code in (200, 201), answer.text

        cpu = [cpu_seconds(p) for p in cities]
        started = time.perf_counter()
        await limited(concurrency, [local] * n)
        local_rate = n / (time.perf_counter() - started)
        local_cpu = [(cpu_seconds(p) - c) / n for p, c in zip(cities, cpu, strict=True)]

        starts: dict[str, float] = {}

        def pay(thread: str) -> Any:
            async def call() -> None:
                starts[thread] = time.time()
                answer = await client.post(
                    f"/negotiations/{thread}/agreement/pay",
                    json={},
                    headers={"Prefer": "return=minimal"},  # the outcome, not the thread
                )
                assert answer.status_code == 200, answer.text

            return call

        def count(session: Any) -> int:
            return session.scalar(
                select(func.count())
                .select_from(Settlement)
                .where(
                    Settlement.role == SettlementRole.payee,
                    Settlement.state == SettlementState.committed,
                )
            )

        async def all_posted() -> bool:
            return await asyncio.to_thread(a.db.read_sync, count) == n + 1  # + the counted one

        profiles = profile(cities)  # the settlements only
        cpu = [cpu_seconds(p) for p in cities]
        database = a.db.engine.url.database or ""
        database_cpu, busy = database_cpu_seconds(database), machine_busy_seconds()
        first = time.time()
        await limited(concurrency, [pay(t) for t in threads])
        answered = time.time() - first
        await eventually(all_posted, timeout=300, interval=0.02)
        settle_cpu = [(cpu_seconds(p) - c) / n for p, c in zip(cities, cpu, strict=True)]
        database_cpu = (database_cpu_seconds(database) - database_cpu) / n
        cores_busy = (machine_busy_seconds() - busy) / (time.time() - first)
        for spy in profiles:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)

        def posted(session: Any) -> list[Settlement]:
            return list(
                session.scalars(
                    select(Settlement).where(
                        Settlement.role == SettlementRole.payee,
                        Settlement.state == SettlementState.committed,
                    )
                )
            )

        rows = a.db.read_sync(posted)
        by_agreement = {}
        for thread in threads:
            answer = await client.get(f"/negotiations/{thread}")
            assert answer.status_code == 200, answer.text
            view = answer.json()
            by_agreement[view["agreement"]["uri"]] = starts[thread]
    rows = [r for r in rows if r.agreement_uri in by_agreement]  # not the counted one
    latencies = sorted(r.decided_at.timestamp() - by_agreement[r.agreement_uri] for r in rows)
    last = max(r.decided_at.timestamp() for r in rows)
    rate = n / (last - first)
    for city in (a, b):
        report = city.db.read_sync(check_ledger)
        assert report.ok, report.violations
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    row(f"{backend}: local payments at B (baseline)", local_rate, "/s")
    row(f"{backend}: settlements B -> A", rate, "/s", local_rate)
    row(f"{backend}: pay requests answered", n / answered, "/s")
    row(
        f"{backend}: confirmation -> posted at both, p50", statistics.median(latencies) * 1000, "ms"
    )
    row(f"{backend}: confirmation -> posted at both, p99", p99 * 1000, "ms")
    row(f"{backend}: CPU per local payment, A + B", sum(local_cpu) * 1000, "ms", precise=True)
    row(
        f"{backend}: CPU per settlement, A {settle_cpu[0] * 1000:.1f} + B",
        settle_cpu[1] * 1000,
        "ms",
        precise=True,
    )
    if backend == "postgresql":
        row(f"{backend}: CPU per settlement, database server", database_cpu * 1000, "ms",
            precise=True)  # fmt: skip
    row(f"{backend}: cores busy during the settlements (all processes)", cores_busy, "",
        precise=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--settlements", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument(
        "--detail", action="store_true", help="count one settlement's transactions by function"
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    global DETAIL
    DETAIL = args.detail
    started = datetime.now(UTC)
    print(f"bench.settlement {started:%Y-%m-%d %H:%M} UTC, {args.settlements} settlements")
    asyncio.run(run(args.settlements, args.concurrency, args.backend))


if __name__ == "__main__":
    main()
