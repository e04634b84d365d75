"""`check_ledger` holds on a sound ledger and names what is wrong on a damaged one."""

from __future__ import annotations

from sqlalchemy import text

from exchange import ledger

from .conftest import Book


def some_payments(book: Book) -> None:
    for name in ("alice", "bob", "carol"):
        book.member(name)
    book.pay("alice", "bob", "10.00")
    book.pay("bob", "carol", "4.00")
    book.pay("carol", "alice", "1.50")


def corrupt(book: Book, sql: str) -> None:
    book.db.write_sync(lambda s: s.execute(text(sql)))


def test_a_sound_ledger_passes_every_check(book: Book) -> None:
    some_payments(book)
    report = book.db.read_sync(ledger.check_ledger)
    assert report.ok
    assert report.transfers == 3 and report.legs == 3 and report.totals.accounts == 3


def test_an_account_credited_behind_the_ledgers_back_breaks_the_zero_sum(book: Book) -> None:
    some_payments(book)
    corrupt(
        book, "UPDATE accounts SET credits_posted = credits_posted + 5 WHERE key = 'member:bob'"
    )
    violations = book.check()
    assert violations[0] == "the balances add up to 5 minor units, not zero"
    assert "account member:bob: credits_posted is 1005 but its legs add up to 1000" in violations


def test_totals_moved_in_pairs_still_disagree_with_the_legs(book: Book) -> None:
    some_payments(book)
    corrupt(
        book,
        "UPDATE accounts SET debits_posted = debits_posted + 7, "
        "credits_posted = credits_posted + 7 "
        "WHERE key = 'member:carol'",
    )
    violations = book.check()
    assert violations == [
        "account member:carol: debits_posted is 157 but its legs add up to 150",
        "account member:carol: credits_posted is 407 but its legs add up to 400",
    ]


def test_unequal_pending_totals_are_found(book: Book) -> None:
    some_payments(book)
    corrupt(book, "UPDATE accounts SET debits_pending = 3 WHERE key = 'member:alice'")
    assert book.check()[0] == "pending debits (3) differ from pending credits (0)"


def test_an_account_past_its_floor_is_found(book: Book) -> None:
    some_payments(book)
    corrupt(book, "UPDATE accounts SET min_balance = -100 WHERE key = 'member:alice'")
    assert "account member:alice is 750 minor units below its floor" in book.check()


def test_a_transfer_without_legs_is_found(book: Book) -> None:
    some_payments(book)
    corrupt(
        book,
        "DELETE FROM transfer_legs "
        "WHERE transfer_id = (SELECT id FROM transfers WHERE public_id = 't3')",
    )
    assert "transfer t3 has no legs" in book.check()
