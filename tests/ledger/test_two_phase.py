"""Pending transfers: reserve now, then post, void or expire, each at most once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from exchange import ledger, members
from exchange.errors import DomainError
from models import Outcome, TransferKind, utcnow

from .conftest import Book


def reserve(
    book: Book, payer: str, payee: str, amount: str, *, id: str, expires_at: datetime | None = None
) -> ledger.Posting:
    def work(session):  # type: ignore[no-untyped-def]
        people = [members.get_member(session, payer), members.get_member(session, payee)]
        ids = ledger.member_account_ids(session, book.currency, people)
        legs = [ledger.Leg(ids[people[0].id], ids[people[1].id], book.currency.to_minor(amount))]
        return ledger.transfer(
            session,
            book.currency,
            public_id=id,
            kind=TransferKind.agreement,
            legs=legs,
            pending=True,
            expires_at=expires_at,
        )

    return book.db.write_sync(work)


def resolve(
    book: Book,
    pending: str,
    outcome: Outcome,
    *,
    id: str | None = None,
    now: datetime | None = None,
) -> ledger.Resolution:
    return book.db.write_sync(lambda s: ledger.resolve(s, pending, outcome, public_id=id, now=now))


@pytest.fixture
def pair(book: Book) -> Book:
    book.member("alice")
    book.member("bob")
    return book


def test_a_pending_transfer_reserves_without_moving_the_balance(pair: Book) -> None:
    reserve(pair, "alice", "bob", "40.00", id="p1")
    alice = pair.account("alice")
    assert alice.balance == 0 and alice.debits_pending == 4000
    assert pair.account("bob").credits_pending == 4000
    assert pair.check() == []


def test_pending_amounts_count_against_the_credit_limit(pair: Book) -> None:
    reserve(pair, "alice", "bob", "80.00", id="p1")
    with pytest.raises(DomainError) as refused:
        pair.pay("alice", "bob", "30.00")
    assert refused.value.code == "credit_limit_exceeded"
    assert "20.00 available" in refused.value.message


def test_posting_moves_the_reserved_amount(pair: Book) -> None:
    reserve(pair, "alice", "bob", "40.00", id="p1")
    resolve(pair, "p1", Outcome.posted)
    assert pair.balance("alice") == "-40.00" and pair.balance("bob") == "40.00"
    assert pair.account("alice").debits_pending == 0
    assert pair.check() == []


def test_voiding_releases_the_reserved_amount(pair: Book) -> None:
    reserve(pair, "alice", "bob", "40.00", id="p1")
    resolve(pair, "p1", Outcome.voided)
    alice = pair.account("alice")
    assert alice.balance == 0 and alice.debits_pending == 0
    assert pair.check() == []


def test_a_pending_transfer_resolves_only_once(pair: Book) -> None:
    reserve(pair, "alice", "bob", "40.00", id="p1")
    resolve(pair, "p1", Outcome.posted, id="post-p1")
    with pytest.raises(DomainError) as refused:
        resolve(pair, "p1", Outcome.voided, id="void-p1")
    assert refused.value.code == "pending_transfer_already_posted"
    assert pair.balance("bob") == "40.00"


def test_retrying_a_resolution_with_its_id_returns_it(pair: Book) -> None:
    reserve(pair, "alice", "bob", "40.00", id="p1")
    first = resolve(pair, "p1", Outcome.posted, id="post-p1")
    again = resolve(pair, "p1", Outcome.posted, id="post-p1")
    assert first.id == again.id
    assert pair.balance("bob") == "40.00", "posted once"


def test_a_resolution_id_cannot_be_reused_for_another_outcome(pair: Book) -> None:
    reserve(pair, "alice", "bob", "40.00", id="p1")
    resolve(pair, "p1", Outcome.posted, id="r1")
    with pytest.raises(DomainError) as refused:
        resolve(pair, "p1", Outcome.voided, id="r1")
    assert refused.value.code == "resolution_exists_with_different_fields"


def test_a_posted_transfer_cannot_be_resolved(pair: Book) -> None:
    pair.pay("alice", "bob", "1.00", id="direct")
    with pytest.raises(DomainError) as refused:
        resolve(pair, "direct", Outcome.voided)
    assert refused.value.code == "not_pending"


def test_posting_after_the_deadline_is_refused(pair: Book) -> None:
    deadline = utcnow() + timedelta(minutes=5)
    reserve(pair, "alice", "bob", "40.00", id="p1", expires_at=deadline)
    with pytest.raises(DomainError) as refused:
        resolve(pair, "p1", Outcome.posted, now=deadline + timedelta(seconds=1))
    assert refused.value.code == "pending_transfer_expired"


def test_the_sweep_expires_overdue_pending_transfers_and_releases_them(pair: Book) -> None:
    deadline = utcnow() + timedelta(minutes=5)
    reserve(pair, "alice", "bob", "40.00", id="late", expires_at=deadline)
    reserve(pair, "alice", "bob", "10.00", id="open")
    early = deadline - timedelta(seconds=1)
    assert pair.db.write_sync(lambda s: ledger.expire_due(s, now=early)) == 0, (
        "not before its deadline"
    )
    assert pair.db.write_sync(lambda s: ledger.expire_due(s, now=deadline)) == 1
    view = pair.db.read_sync(lambda s: ledger.describe(s, ledger.find_transfer(s, "late")))
    assert view.status == "expired"
    assert pair.account("alice").debits_pending == 1000, "only the overdue one is released"
    assert pair.check() == []


def test_expiring_early_is_refused(pair: Book) -> None:
    reserve(pair, "alice", "bob", "40.00", id="p1", expires_at=utcnow() + timedelta(hours=1))
    with pytest.raises(DomainError) as refused:
        resolve(pair, "p1", Outcome.expired)
    assert refused.value.code == "not_expired"


def test_only_a_pending_transfer_can_have_a_deadline(pair: Book) -> None:
    def work(session):  # type: ignore[no-untyped-def]
        ids = ledger.member_account_ids(
            session,
            pair.currency,
            [members.get_member(session, "alice"), members.get_member(session, "bob")],
        )
        a, b = sorted(ids.values())
        return ledger.transfer(
            session,
            pair.currency,
            public_id="x",
            kind=TransferKind.payment,
            legs=[ledger.Leg(a, b, 100)],
            expires_at=utcnow(),
        )

    with pytest.raises(DomainError) as refused:
        pair.db.write_sync(work)
    assert refused.value.code == "invalid_expiry"


def test_statement_lines_carry_the_state_of_pending_transfers(pair: Book) -> None:
    reserve(pair, "alice", "bob", "1.00", id="open")
    reserve(pair, "alice", "bob", "2.00", id="dropped")
    resolve(pair, "dropped", Outcome.voided)
    pair.pay("alice", "bob", "3.00", id="direct")
    lines = pair.db.read_sync(lambda s: ledger.history(s, pair.account("alice").id, limit=10))
    assert [(line.transfer_id, line.status, line.amount) for line in lines] == [
        ("direct", "posted", -300),
        ("dropped", "voided", -200),
        ("open", "pending", -100),
    ]
    assert lines[1].resolved_at is not None and lines[2].resolved_at is None
