"""Credit limits and maximum balances: defaults, admin changes with a logged reason,
pending counted."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from exchange import ledger
from exchange.errors import DomainError
from models import LimitChange

from .conftest import Book


def set_limits(
    book: Book,
    name: str,
    *,
    credit_limit: str | None,
    max_balance: str | None = None,
    reason: str = "assembly decision",
) -> None:
    def work(session):  # type: ignore[no-untyped-def]
        account = ledger.resolve_account(session, book.currency, name)
        ledger.set_limits(
            session,
            book.currency,
            account,
            min_balance=None if credit_limit is None else -book.currency.to_minor(credit_limit),
            max_balance=None if max_balance is None else book.currency.to_minor(max_balance),
            reason=reason,
            by=None,
        )

    book.db.write_sync(work)


@pytest.fixture
def pair(book: Book) -> Book:
    book.member("alice")
    book.member("bob")
    return book


def test_a_member_can_spend_down_to_the_credit_limit_and_no_further(pair: Book) -> None:
    pair.pay("alice", "bob", "100.00")
    with pytest.raises(DomainError) as refused:
        pair.pay("alice", "bob", "0.01")
    assert refused.value.code == "credit_limit_exceeded"
    assert pair.balance("alice") == "-100.00"


def test_a_raised_credit_limit_lets_a_member_spend_more(pair: Book) -> None:
    set_limits(pair, "alice", credit_limit="250.00")
    pair.pay("alice", "bob", "250.00")
    assert pair.balance("alice") == "-250.00"


def test_a_limit_change_is_logged_with_its_reason_and_old_values(pair: Book) -> None:
    set_limits(pair, "alice", credit_limit="250.00", reason="runs the bakery")
    [change] = pair.db.read_sync(lambda s: list(s.scalars(select(LimitChange))))
    assert (change.old_min_balance, change.new_min_balance) == (-10_000, -25_000)
    assert change.reason == "runs the bakery"


def test_a_limit_change_needs_a_reason(pair: Book) -> None:
    with pytest.raises(DomainError) as refused:
        set_limits(pair, "alice", credit_limit="250.00", reason="  ")
    assert refused.value.code == "reason_required"


def test_a_limit_the_account_already_passes_is_refused(pair: Book) -> None:
    pair.pay("alice", "bob", "60.00")
    before = pair.rows()
    with pytest.raises(DomainError) as refused:
        set_limits(pair, "alice", credit_limit="50.00")
    assert refused.value.code == "limit_below_balance"
    assert "60.00" in refused.value.message
    assert pair.rows() == before


def test_a_maximum_balance_stops_payments_to_the_account(pair: Book) -> None:
    set_limits(pair, "bob", credit_limit="100.00", max_balance="30.00")
    pair.pay("alice", "bob", "30.00")
    with pytest.raises(DomainError) as refused:
        pair.pay("alice", "bob", "0.01")
    assert refused.value.code == "balance_limit_exceeded"


def test_the_currency_default_ceiling_applies_to_new_accounts(book: Book) -> None:
    capped = book.with_currency(balance_limit=2_000)
    book.member("alice")
    book.member("bob")
    with pytest.raises(DomainError) as refused:
        capped.pay("alice", "bob", "20.01")
    assert refused.value.code == "balance_limit_exceeded"
