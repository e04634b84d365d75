"""Committed payments per second between random accounts, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.ledger [--accounts 1000] [--seconds 5] [--clients 4]

Each payment is the real code path: `exchange.ledger.pay` in its own transaction through
`Database.write_sync` (look up both members, lock both accounts in id order, check the
limit counting pending, insert the transfer and its leg, update both totals, commit).
Single client, then `--clients` threads sharing one Database (its pool of connections), as
request handlers do. Baseline (same run): single-row committed inserts per second through
the bare driver. The ledger check must pass at the end of every run.
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from fractions import Fraction

from exchange import ledger, members
from exchange.members import Credentials
from instance.database import Database
from instance.settings import Currency
from models import Member, new_public_id

from .common import fresh_database, pg_available, raw_insert_rate, row

CURRENCY = Currency(code="GRN", name="Grain", symbol="G", scale=2, unit_hours=Fraction(1),
                    credit_limit=10**12, balance_limit=None)
#: no password can match it and no key is needed: the benchmark never logs in or signs
FAKE = Credentials("$argon2id$bench", "bench", "bench")


def populate(db: Database, accounts: int) -> list[Member]:
    def work(session):  # type: ignore[no-untyped-def]
        made = [members.add_member(session, f"m{n}", FAKE) for n in range(accounts)]
        ledger.member_account_ids(session, CURRENCY, made)
        return made

    return db.write_sync(work)


def run(db: Database, people: list[Member], seconds: float, clients: int) -> float:
    done = [0] * clients
    stop = threading.Event()

    def client(index: int) -> None:
        rng = random.Random(index)
        while not stop.is_set():
            payer, payee = rng.sample(people, 2)
            amount = rng.randint(1, 10_000)
            db.write_sync(lambda s: ledger.pay(s, CURRENCY, payer, payee.username, amount, public_id=new_public_id()))
            done[index] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    backends = ["sqlite"] + (["postgresql"] if pg_available() else [])
    print(f"bench/ledger.py: payments between random accounts of {args.accounts}, {args.seconds:g} s per run")
    for backend in backends:
        baseline = raw_insert_rate(backend)
        print(f"{backend}:")
        row("baseline: bare driver 1-row committed inserts", baseline, "rows/s")
        for clients in (1, args.clients):
            with fresh_database(backend) as url:
                db = Database(url, threads=clients)
                people = populate(db, args.accounts)
                rate = run(db, people, args.seconds, clients)
                report = db.read_sync(ledger.check_ledger)
                assert report.ok, report.violations
                db.dispose()
            row(f"payments committed, {clients} client(s)", rate, "transfers/s", baseline)


if __name__ == "__main__":
    main()
