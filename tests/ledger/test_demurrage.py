"""Demurrage: a periodic charge on positive balances, once per account and period,
off by default."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from exchange import ledger
from models import TransferKind

from .conftest import Book

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def charge(book: Book, period: str = "2026-11") -> int:
    return book.db.write_sync(lambda s: ledger.charge_demurrage(s, book.currency, period, now=NOW))


@pytest.fixture
def city(book: Book) -> Book:
    for name in ("alice", "bob", "carol"):
        book.member(name)
    book.pay("alice", "bob", "50.00")
    book.pay("alice", "carol", "0.49")
    return book.with_currency(demurrage_bps=200)  # 2 % a month


def test_a_positive_balance_pays_the_rate_rounded_down_to_the_demurrage_account(city: Book) -> None:
    assert charge(city) == 1, "carol's 2 % of 0.49 rounds down to nothing; alice is negative"
    assert city.balance("bob") == "49.00"
    assert city.balance("system:demurrage") == "1.00"
    assert city.balance("carol") == "0.49"
    assert city.check() == []


def test_a_period_is_charged_once_however_often_the_sweep_runs(city: Book) -> None:
    charge(city)
    city.pay("alice", "bob", "10.00")
    assert charge(city) == 0
    assert city.balance("bob") == "59.00"


def test_the_next_period_is_charged_again(city: Book) -> None:
    charge(city, "2026-11")
    assert charge(city, "2026-12") == 1
    assert city.balance("bob") == "48.02"


def test_pending_debits_are_not_charged(city: Book) -> None:
    def reserve(session):  # type: ignore[no-untyped-def]
        bob = ledger.resolve_account(session, city.currency, "bob")
        carol = ledger.resolve_account(session, city.currency, "carol")
        ledger.transfer(
            session,
            city.currency,
            public_id="p",
            kind=TransferKind.agreement,
            legs=[ledger.Leg(bob.id, carol.id, 4_000)],
            pending=True,
        )

    city.db.write_sync(reserve)
    charge(city)
    assert city.balance("system:demurrage") == "0.20", "2 % of the 10.00 bob has not promised away"


def test_demurrage_is_off_by_default(book: Book) -> None:
    book.member("alice")
    book.member("bob")
    book.pay("alice", "bob", "50.00")
    assert charge(book) == 0
    assert book.balance("bob") == "50.00"


def test_periods_are_named_by_day_iso_week_or_month() -> None:
    day = date(2026, 12, 3)
    assert ledger.period_key(day, "day") == "2026-12-03"
    assert ledger.period_key(day, "week") == "2026-W49"
    assert ledger.period_key(day, "month") == "2026-12"


def test_the_sweep_charges_the_period_that_just_ended() -> None:
    assert ledger.last_complete_period(NOW, "month") == "2026-11"
    assert ledger.last_complete_period(NOW, "week") == "2026-W48"
    assert ledger.last_complete_period(NOW, "day") == "2026-12-02"


def test_the_next_sweep_is_due_when_the_current_period_ends() -> None:
    assert ledger.next_period_start(NOW, "month") == datetime(2027, 1, 1, tzinfo=UTC)
    assert ledger.next_period_start(NOW, "week") == datetime(2026, 12, 7, tzinfo=UTC)
    assert ledger.next_period_start(NOW, "day") == datetime(2026, 12, 4, tzinfo=UTC)
