"""Concurrent transactions on the domain functions directly (threads on Database.write_sync)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from exchange import ledger, members
from exchange.errors import DomainError
from models import Outcome, TransferKind

from .conftest import Book


def test_concurrent_reservations_and_payments_share_one_limit(book: Book) -> None:
    for name in ("alice", "bob", "carol"):
        book.member(name)

    def reserve(n: int) -> str:
        def work(session):  # type: ignore[no-untyped-def]
            people = [members.get_member(session, "alice"), members.get_member(session, "carol")]
            ids = ledger.member_account_ids(session, book.currency, people)
            ledger.transfer(session, book.currency, public_id=f"hold{n}", kind=TransferKind.agreement,
                            legs=[ledger.Leg(ids[people[0].id], ids[people[1].id], 900)], pending=True)

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
        list(pool.map(lambda h: book.db.write_sync(lambda s: ledger.resolve(s, h, Outcome.posted)), holds * 2))
    assert book.account("alice").balance == -900 * 11
    assert book.check() == []
