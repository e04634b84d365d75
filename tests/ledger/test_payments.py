"""Direct payments between members: balanced, immutable, idempotent,
with a memo and an optional fee."""

from __future__ import annotations

import pytest

from exchange import ledger
from exchange.errors import DomainError
from models import LegPurpose, Role, TransferKind

from .conftest import Book


def test_a_payment_moves_the_amount_from_payer_to_payee(book: Book) -> None:
    book.member("alice")
    book.member("bob")
    book.pay("alice", "bob", "12.50", memo="bread")
    assert book.balance("alice") == "-12.50"
    assert book.balance("bob") == "12.50"
    assert book.check() == []


def test_a_member_gets_an_account_the_first_time_money_moves(book: Book) -> None:
    book.member("alice")
    book.member("bob")
    assert book.rows()["accounts"] == 0
    assert book.balance("alice") == "0.00", "reading shows an empty account without creating it"
    assert book.rows()["accounts"] == 0
    book.pay("alice", "bob", "1.00")
    assert book.rows()["accounts"] == 2


def test_a_new_account_takes_the_currency_default_limits(book: Book) -> None:
    book.member("alice")
    book.member("bob")
    book.pay("alice", "bob", "1.00")
    account = book.account("alice")
    assert account.min_balance == -book.currency.credit_limit
    assert account.max_balance is None


def test_the_memo_and_the_kind_are_kept_on_the_transfer(book: Book) -> None:
    book.member("alice")
    book.member("bob")
    posting = book.pay("alice", "bob", "3.00", memo="  two loaves  ")
    view = book.db.read_sync(lambda s: ledger.describe(s, posting.transfer))
    assert view.memo == "two loaves"
    assert view.kind is TransferKind.payment
    assert view.status == "posted"
    assert [(leg.debit, leg.credit, leg.amount) for leg in view.legs] == [
        ("member:alice", "member:bob", 300)
    ]


def test_a_retry_with_the_same_id_and_fields_returns_the_stored_transfer(book: Book) -> None:
    book.member("alice")
    book.member("bob")
    first = book.pay("alice", "bob", "5.00", id="groceries-1", memo="veg")
    again = book.pay("alice", "bob", "5.00", id="groceries-1", memo="veg")
    assert first.created and not again.created
    assert again.transfer.id == first.transfer.id
    assert book.balance("bob") == "5.00", "paid once"


def test_a_retry_is_answered_even_when_the_payment_would_no_longer_fit_the_limit(
    book: Book,
) -> None:
    book.member("alice")
    book.member("bob")
    book.pay("alice", "bob", "100.00", id="all-of-it")
    assert not book.pay("alice", "bob", "100.00", id="all-of-it").created


def test_the_same_id_with_other_fields_is_refused(book: Book) -> None:
    book.member("alice")
    book.member("bob")
    book.pay("alice", "bob", "5.00", id="groceries-1")
    before = book.rows()
    with pytest.raises(DomainError) as refused:
        book.pay("alice", "bob", "6.00", id="groceries-1")
    assert refused.value.code == "transfer_exists_with_different_fields"
    assert refused.value.status == 409
    assert book.rows() == before


def test_another_member_cannot_reuse_an_id_to_read_someone_elses_transfer(book: Book) -> None:
    for name in ("alice", "bob", "carol"):
        book.member(name)
    book.pay("alice", "bob", "5.00", id="shared-id")
    with pytest.raises(DomainError) as refused:
        book.pay("carol", "bob", "5.00", id="shared-id")
    assert refused.value.code == "transfer_exists_with_different_fields"


def test_a_fee_is_its_own_leg_to_the_fees_account_paid_by_the_payer(book: Book) -> None:
    priced = book.with_currency(fee_bps=150, fee_fixed=10)  # 1.5 % + 0.10
    book.member("alice")
    book.member("bob")
    posting = priced.pay("alice", "bob", "10.00")
    view = book.db.read_sync(lambda s: ledger.describe(s, posting.transfer))
    assert [(leg.credit, leg.amount, leg.purpose) for leg in view.legs] == [
        ("member:bob", 1000, LegPurpose.amount),
        ("system:fees", 25, LegPurpose.fee),
    ]
    assert priced.balance("alice") == "-10.25"
    assert priced.balance("bob") == "10.00"
    assert priced.balance("system:fees") == "0.25"
    assert book.check() == []


def test_a_percentage_fee_is_rounded_up_against_the_payer(book: Book) -> None:
    priced = book.with_currency(fee_bps=100)
    assert ledger.fee_for(priced.currency, 1) == 1, "1 % of 0.01 is charged as 0.01, never as 0"
    assert ledger.fee_for(priced.currency, 1000) == 10
    assert ledger.fee_for(book.currency, 1000) == 0


def test_the_fee_counts_against_the_payers_credit_limit(book: Book) -> None:
    priced = book.with_currency(fee_fixed=100)
    book.member("alice")
    book.member("bob")
    with pytest.raises(DomainError) as refused:
        priced.pay("alice", "bob", "99.50")
    assert refused.value.code == "credit_limit_exceeded"
    priced.pay("alice", "bob", "99.00")
    assert priced.balance("alice") == "-100.00"


def test_an_admin_adjustment_goes_through_the_adjustments_account_with_its_reason(
    book: Book,
) -> None:
    admin = book.member("root_admin", role=Role.admin)
    book.member("bob")

    def adjust(session):  # type: ignore[no-untyped-def]
        account = ledger.resolve_account(session, book.currency, "bob")
        return ledger.adjust(
            session,
            book.currency,
            account,
            2500,
            credit=True,
            reason="lost voucher",
            by=admin,
            public_id="adj-1",
        )

    posting = book.db.write_sync(adjust)
    assert (
        posting.transfer.kind is TransferKind.adjustment and posting.transfer.memo == "lost voucher"
    )
    assert book.balance("bob") == "25.00"
    assert book.balance("system:adjustments") == "-25.00"


def test_a_correction_is_a_new_transfer_naming_the_one_it_corrects(book: Book) -> None:
    book.member("alice")
    book.member("bob")
    wrong = book.pay("alice", "bob", "30.00", id="typo")

    def correct(session):  # type: ignore[no-untyped-def]
        account = ledger.resolve_account(session, book.currency, "bob")
        corrected = ledger.find_transfer(session, "typo")
        posting = ledger.adjust(
            session,
            book.currency,
            account,
            2700,
            credit=False,
            reason="meant 3.00",
            by=None,
            public_id="fix-typo",
            corrects=corrected,
        )
        return ledger.describe(session, posting.transfer)

    view = book.db.write_sync(correct)
    assert view.corrects == "typo"
    original = book.db.read_sync(lambda s: ledger.describe(s, ledger.find_transfer(s, "typo")))
    assert [leg.amount for leg in original.legs] == [3000], "the corrected transfer is unchanged"
    assert book.balance("bob") == "3.00"
    assert wrong.transfer.public_id == "typo"


def test_only_an_admin_can_adjust(book: Book) -> None:
    someone = book.member("alice")
    book.member("bob")

    def adjust(session):  # type: ignore[no-untyped-def]
        account = ledger.resolve_account(session, book.currency, "bob")
        return ledger.adjust(
            session,
            book.currency,
            account,
            100,
            credit=True,
            reason="gift",
            by=someone,
            public_id="adj-x",
        )

    with pytest.raises(DomainError) as refused:
        book.db.write_sync(adjust)
    assert refused.value.status == 403
