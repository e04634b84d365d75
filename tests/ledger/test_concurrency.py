"""Concurrent transactions on the domain functions directly (threads on Database.write_sync)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import event, text

from exchange import ledger, members
from exchange.errors import DomainError
from instance.database import Database
from models import Outcome, TransferKind

from ..conftest import postgresql_only
from .conftest import Book


def test_concurrent_reservations_and_payments_share_one_limit(book: Book) -> None:
    for name in ("alice", "bob", "carol"):
        book.member(name)

    def reserve(n: int) -> str:
        def work(session):  # type: ignore[no-untyped-def]
            people = [members.get_member(session, "alice"), members.get_member(session, "carol")]
            ids = ledger.member_account_ids(session, book.currency, people)
            ledger.transfer(
                session,
                book.currency,
                public_id=f"hold{n}",
                kind=TransferKind.agreement,
                legs=[ledger.Leg(ids[people[0].id], ids[people[1].id], 900)],
                pending=True,
            )

        book.db.write_sync(work)
        return f"hold{n}"

    def attempt(n: int) -> str | None:
        try:
            if n % 2:
                return reserve(n)
            book.pay("alice", "bob", "9.00", id=f"pay{n}")
            return f"pay{n}"
        except DomainError as refusal:
            assert refusal.code == "credit_limit_exceeded"
            return None

    with ThreadPoolExecutor(max_workers=4) as pool:
        done = [r for r in pool.map(attempt, range(40)) if r is not None]
    assert len(done) == 11, "100.00 holds eleven 9.00 amounts, counting reservations"
    alice = book.account("alice")
    assert alice.balance - alice.debits_pending == -900 * 11

    holds = [d for d in done if d.startswith("hold")]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(
            pool.map(
                lambda h: book.db.write_sync(lambda s: ledger.resolve(s, h, Outcome.posted)),
                holds * 2,
            )
        )
    assert book.account("alice").balance == -900 * 11
    assert book.check() == []


class Choreography:
    """Holds a named thread right after a given statement, until the test lets it go on.

    It puts the transactions of a race in a chosen order; the code under test runs unchanged.
    It also notes the PostgreSQL backend of each held thread, to ask the server what it waits on.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self.gates: dict[tuple[str, str], tuple[threading.Event, threading.Event]] = {}
        self.backends: dict[str, int] = {}
        event.listen(db.engine, "after_cursor_execute", self._after)

    def hold(self, thread: str, statement: str) -> tuple[threading.Event, threading.Event]:
        """(reached, go): set when the thread has run the statement; set go to release it."""
        self.gates[(thread, statement)] = gate = (threading.Event(), threading.Event())
        return gate

    def _after(self, _conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        for (thread, start), (reached, go) in list(self.gates.items()):
            if thread == threading.current_thread().name and statement.lstrip().startswith(start):
                del self.gates[(thread, start)]
                self.backends[thread] = cursor.connection.info.backend_pid
                reached.set()
                # longer than any step the test takes before letting it go (each waits up to
                # 30 s): under a loaded CI the held thread's own wait ran out first, while
                # the other thread was still on its way to the lock it must wait on
                assert go.wait(120)

    def waits_on(self, thread: threading.Thread, holder: str, timeout: float = 30) -> None:
        """Return once `thread` is blocked on a lock that `holder`'s transaction holds (as
        PostgreSQL's lock view says), or has finished without needing to wait; fail otherwise."""
        blocked = text(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND :holder = ANY(pg_blocking_pids(pid))"
        )
        deadline = time.monotonic() + timeout
        with self.db.engine.connect() as observer:
            while thread.is_alive():
                if observer.execute(blocked, {"holder": self.backends[holder]}).scalar():
                    return
                assert time.monotonic() < deadline, (
                    f"{thread.name} neither waits on {holder} nor ends"
                )
                time.sleep(0.01)


@postgresql_only  # SQLite runs one write transaction at a time: there is no race to order
def test_a_payment_racing_the_creation_of_an_account_does_not_deadlock(book: Book) -> None:
    """X pays rae -> lou, both without accounts; lou's account appears meanwhile;
    then Y pays lou -> rae."""
    for name in ("rae", "lou"):
        book.member(name)
    steps = Choreography(book.db)
    x_looked = steps.hold("X", "SELECT members.id AS member_id")
    x_created = steps.hold("X", "INSERT INTO accounts")
    errors: list[BaseException] = []

    def pay(payer: str, payee: str) -> None:
        try:
            book.pay(payer, payee, "1.00", id=f"{payer}-{payee}")
        except BaseException as exc:  # reported below
            errors.append(exc)

    x = threading.Thread(target=pay, args=("rae", "lou"), name="X")
    x.start()
    assert x_looked[0].wait(30)
    book.db.write_sync(
        lambda s: ledger.member_account(s, book.currency, members.get_member(s, "lou"))
    )
    x_looked[1].set()
    assert x_created[0].wait(30)  # X holds its uncommitted insert of rae's account
    y = threading.Thread(target=pay, args=("lou", "rae"), name="Y")
    y.start()
    # Y waits on X's insert of rae's account (holding nothing, or lou's lock before the fix)
    steps.waits_on(y, "X")
    x_created[1].set()
    x.join(30)
    y.join(30)
    assert errors == []
    assert book.rows()["transfers"] == 2
    assert book.check() == []
