"""A partner city's account moves only through settlement code."""

from __future__ import annotations

import pytest

from exchange import ledger, members
from exchange.errors import DomainError
from models import Outcome, TransferKind

from .conftest import Book

PARTNER = "https://b.example/actor"


def peer_transfer(
    book: Book, *, settlement: bool, pending: bool = False, id: str = "s1"
) -> ledger.Posting:
    def work(session):  # type: ignore[no-untyped-def]
        alice = members.get_member(session, "alice")
        mine = ledger.member_account(session, book.currency, alice).id
        peer = ledger.peer_account_id(session, PARTNER, min_balance=-50_000, max_balance=50_000)
        kind = TransferKind.settlement if settlement else TransferKind.payment
        return ledger.transfer(
            session,
            book.currency,
            public_id=id,
            kind=kind,
            legs=[ledger.Leg(mine, peer, 1_000)],
            pending=pending,
            settlement=settlement,
        )

    return book.db.write_sync(work)


def test_a_normal_transfer_touching_a_peer_account_is_refused_and_writes_nothing(
    book: Book,
) -> None:
    book.member("alice")
    book.db.write_sync(
        lambda s: ledger.peer_account_id(s, PARTNER, min_balance=-50_000, max_balance=50_000)
    )
    book.db.write_sync(
        lambda s: ledger.member_account(s, book.currency, members.get_member(s, "alice"))
    )
    before = book.rows()
    with pytest.raises(DomainError) as refused:
        peer_transfer(book, settlement=False)
    assert refused.value.code == "settlement_only"
    assert book.rows() == before


def test_settlement_code_may_post_to_a_peer_account(book: Book) -> None:
    book.member("alice")
    peer_transfer(book, settlement=True)
    assert book.account(f"peer:{PARTNER}").balance == 1_000
    assert book.check() == []


def test_a_pending_settlement_is_resolved_only_by_settlement_code(book: Book) -> None:
    book.member("alice")
    peer_transfer(book, settlement=True, pending=True, id="s2")
    with pytest.raises(DomainError) as refused:
        book.db.write_sync(lambda s: ledger.resolve(s, "s2", Outcome.posted))
    assert refused.value.code == "settlement_only"
    book.db.write_sync(lambda s: ledger.resolve(s, "s2", Outcome.posted, settlement=True))
    assert book.account(f"peer:{PARTNER}").balance == 1_000
