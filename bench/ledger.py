"""Committed payments per second between random accounts, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.ledger [--accounts 1000] [--seconds 5] [--clients 2]

Each payment is the real code path: `exchange.ledger.pay` in its own transaction through
`Database.write_sync` (find both members and lock their accounts in id order, check the
limit counting pending, insert the transfer and its leg, update both totals, commit).
One client, then `--clients` client processes, each with its own Database, as several web
or worker processes would be (processes, not threads: the payments' Python work would
otherwise queue on one interpreter lock). Baseline (same run): single-row committed
inserts per second through the bare driver. The ledger check must pass after every run.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import time
from fractions import Fraction
from typing import Any, NamedTuple

from sqlalchemy import text

from exchange import ledger, members
from exchange.members import Credentials
from instance.database import Database
from instance.settings import Currency
from models import Member, new_public_id

from .common import fresh_database, pg_available, raw_insert_rate, row

CURRENCY = Currency(
    code="GRN",
    name="Grain",
    symbol="G",
    scale=2,
    unit_hours=Fraction(1),
    credit_limit=10**12,
    balance_limit=None,
)
#: no password can match it and no key is needed: the benchmark never logs in or signs
FAKE = Credentials("$argon2id$bench", "bench", "bench")


def populate(db: Database, accounts: int) -> list[Member]:
    def work(session):  # type: ignore[no-untyped-def]
        made = [members.add_member(session, f"m{n}", FAKE) for n in range(accounts)]
        ledger.member_account_ids(session, CURRENCY, made)
        return made

    people = db.write_sync(work)
    # A live database has planner statistics (autovacuum analyzes a table after its first
    # changes); a freshly filled one has none, and PostgreSQL then plans the locking
    # SELECT as a scan of every account.
    db.write_sync(lambda s: s.execute(text("ANALYZE")))
    return people


class Payer(NamedTuple):
    """What `pay` needs of the payer, cheap to hand to a client process."""

    id: int
    username: str


def client(
    url: str, people: list[Payer], seconds: float, seed: int, start: Any, counts: Any
) -> None:
    """One client: pay between random accounts for `seconds`, then report how many committed."""
    db = Database(url, threads=1)
    rng = random.Random(seed)
    start.wait()
    done, until = 0, time.perf_counter() + seconds
    while time.perf_counter() < until:
        payer, payee = rng.sample(people, 2)
        amount = rng.randint(1, 10_000)
        db.write_sync(
            lambda s, payer=payer, payee=payee, amount=amount: ledger.pay(
                s, CURRENCY, payer, payee.username, amount, public_id=new_public_id()
            )
        )  # type: ignore[arg-type]
        done += 1
    counts.put(done)
    db.dispose()


def run(url: str, people: list[Payer], seconds: float, clients: int) -> float:
    context = multiprocessing.get_context("fork")
    start, counts = context.Barrier(clients + 1), context.Queue()
    procs = [
        context.Process(target=client, args=(url, people, seconds, n, start, counts))
        for n in range(clients)
    ]
    for proc in procs:
        proc.start()
    start.wait()
    total = sum(counts.get(timeout=seconds + 60) for _ in procs)
    for proc in procs:
        proc.join(timeout=60)
    return total / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument(
        "--clients", type=int, default=2, help="client processes in the concurrent run"
    )
    args = parser.parse_args()
    backends = ["sqlite"] + (["postgresql"] if pg_available() else [])
    print(
        f"bench/ledger.py: payments between random accounts of {args.accounts}, "
        f"{args.seconds:g} s per run"
    )
    for backend in backends:
        baseline = raw_insert_rate(backend)
        print(f"{backend}:")
        row("baseline: bare driver 1-row committed inserts", baseline, "rows/s")
        for clients in (1, args.clients):
            with fresh_database(backend) as url:
                db = Database(url, threads=1)
                people = [Payer(m.id, m.username) for m in populate(db, args.accounts)]
                db.dispose()
                rate = run(url, people, args.seconds, clients)
                report = db.read_sync(ledger.check_ledger)
                assert report.ok, report.violations
                db.dispose()
            row(f"payments committed, {clients} client(s)", rate, "transfers/s", baseline)


if __name__ == "__main__":
    main()
