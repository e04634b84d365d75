"""Random sequences of ledger operations, with failures injected, never lose a unit.

A hypothesis state machine pays, reserves, posts, voids, adjusts, changes limits and fees,
retries, and makes some transactions fail half-way (an error raised by the database driver
at the n-th statement, or after the legs are flushed). Beside the real ledger it keeps a
plain model of what every balance should be. After every step: `check_ledger` (the same
checks as `comptoir ledger check`) finds nothing, and the database agrees with the model.
"""

from __future__ import annotations

from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import event, text

from exchange import ledger, members
from exchange.errors import DomainError
from instance.database import Database
from models import Outcome, Role, TransferKind

from .conftest import Book

NAMES = ("ana", "ben", "cleo", "dev")
amounts = st.integers(min_value=1, max_value=15_000)
names = st.sampled_from(NAMES)


class InjectedFailure(Exception):
    """Stands for a crash of the database connection in the middle of a transaction."""


class StatementFault:
    """Raises InjectedFailure at the n-th statement sent to the database while armed."""

    def __init__(self, db: Database) -> None:
        self.countdown: int | None = None
        self.fired = False
        event.listen(db.engine, "before_cursor_execute", self._before)

    def arm(self, n: int) -> None:
        self.countdown, self.fired = n, False

    def disarm(self) -> None:
        self.countdown = None

    def _before(self, *_: Any) -> None:
        if self.countdown is None:
            return
        self.countdown -= 1
        if self.countdown <= 0:
            self.countdown, self.fired = None, True
            raise InjectedFailure("connection lost")


class Model:
    """What the ledger should hold: per account, posted balance and pending debits and credits."""

    def __init__(self, floor: int) -> None:
        self.balance: dict[str, int] = {}
        self.debits_pending: dict[str, int] = {}
        self.credits_pending: dict[str, int] = {}
        self.floor = {f"member:{n}": -floor for n in NAMES}
        self.pending: dict[str, list[tuple[str, str, int]]] = {}
        self.resolved: dict[str, Outcome] = {}
        self.done: dict[str, tuple[str, str, int, int]] = {}

    def margin(self, key: str) -> int:
        return self.balance.get(key, 0) - self.debits_pending.get(key, 0) - self.floor[key]

    def move(
        self, debit: str, credit: str, amount: int, *, pending: bool = False, sign: int = 1
    ) -> None:
        if pending:
            self.debits_pending[debit] = self.debits_pending.get(debit, 0) + sign * amount
            self.credits_pending[credit] = self.credits_pending.get(credit, 0) + sign * amount
        else:
            self.balance[debit] = self.balance.get(debit, 0) - amount
            self.balance[credit] = self.balance.get(credit, 0) + amount


class LedgerMachine(RuleBasedStateMachine):
    pendings = Bundle("pendings")

    def __init__(self, book: Book, fault: StatementFault) -> None:
        super().__init__()
        self.book = book
        self.fault = fault
        self.model = Model(book.currency.credit_limit)
        self.serial = 0
        book.db.write_sync(_empty_ledger)

    def _id(self) -> str:
        self.serial += 1
        return f"h{self.serial}"

    def _pay(
        self, payer: str, payee: str, amount: int, fee_bps: int, fee_fixed: int, public_id: str
    ) -> bool:
        rules = self.book.with_currency(fee_bps=fee_bps, fee_fixed=fee_fixed)
        fee = ledger.fee_for(rules.currency, amount)
        fits = self.model.margin(f"member:{payer}") >= amount + fee
        try:
            rules.db.write_sync(
                lambda s: ledger.pay(
                    s,
                    rules.currency,
                    members.get_member(s, payer),
                    payee,
                    amount,
                    public_id=public_id,
                )
            )
        except DomainError as refusal:
            assert not fits and refusal.code == "credit_limit_exceeded", refusal.message
            return False
        assert fits, f"{payer} paid {amount} + {fee} beyond the limit"
        self.model.move(f"member:{payer}", f"member:{payee}", amount)
        if fee:
            self.model.move(f"member:{payer}", "system:fees", fee)
        self.model.done[public_id] = (payer, payee, amount, fee)
        return True

    @rule(
        payer=names,
        payee=names,
        amount=amounts,
        fee_bps=st.sampled_from([0, 0, 150]),
        fee_fixed=st.sampled_from([0, 0, 25]),
    )
    def pay(self, payer: str, payee: str, amount: int, fee_bps: int, fee_fixed: int) -> None:
        if payer != payee:
            self._pay(payer, payee, amount, fee_bps, fee_fixed, self._id())

    @rule()
    def retry_a_payment(self) -> None:
        if not self.model.done:
            return
        public_id, (payer, payee, amount, fee) = next(iter(self.model.done.items()))
        rules = self.book.with_currency(
            fee_bps=0, fee_fixed=fee
        )  # other fee rules now: still a retry
        again = rules.db.write_sync(
            lambda s: ledger.pay(
                s, rules.currency, members.get_member(s, payer), payee, amount, public_id=public_id
            )
        )
        assert not again.created

    @rule(target=pendings, payer=names, payee=names, amount=amounts)
    def reserve(self, payer: str, payee: str, amount: int) -> str:
        public_id = self._id()
        if payer == payee:
            return public_id
        fits = self.model.margin(f"member:{payer}") >= amount

        def work(session):  # type: ignore[no-untyped-def]
            people = [members.get_member(session, payer), members.get_member(session, payee)]
            ids = ledger.member_account_ids(session, self.book.currency, people)
            ledger.transfer(
                session,
                self.book.currency,
                public_id=public_id,
                kind=TransferKind.agreement,
                legs=[ledger.Leg(ids[people[0].id], ids[people[1].id], amount)],
                pending=True,
            )

        try:
            self.book.db.write_sync(work)
        except DomainError as refusal:
            assert not fits and refusal.code == "credit_limit_exceeded"
            return public_id
        assert fits
        self.model.move(f"member:{payer}", f"member:{payee}", amount, pending=True)
        self.model.pending[public_id] = [(f"member:{payer}", f"member:{payee}", amount)]
        return public_id

    @rule(public_id=pendings, post=st.booleans())
    def resolve(self, public_id: str, post: bool) -> None:
        outcome = Outcome.posted if post else Outcome.voided
        try:
            self.book.db.write_sync(lambda s: ledger.resolve(s, public_id, outcome))
        except DomainError as refusal:
            assert public_id not in self.model.pending, refusal.message
            return
        if public_id not in self.model.pending:
            assert self.model.resolved[public_id] is outcome, (
                "only a retry of the same resolution succeeds"
            )
            return
        self.model.resolved[public_id] = outcome
        for debit, credit, amount in self.model.pending.pop(public_id):
            self.model.move(debit, credit, amount, pending=True, sign=-1)
            if post:
                self.model.move(debit, credit, amount)

    @rule(name=names, amount=amounts, credit=st.booleans())
    def adjust(self, name: str, amount: int, credit: bool) -> None:
        key = f"member:{name}"
        fits = credit or self.model.margin(key) >= amount

        def work(session):  # type: ignore[no-untyped-def]
            account = ledger.resolve_account(session, self.book.currency, name)
            ledger.adjust(
                session,
                self.book.currency,
                account,
                amount,
                credit=credit,
                reason="property",
                by=None,
                public_id=self._id(),
            )

        try:
            self.book.db.write_sync(work)
        except DomainError as refusal:
            assert not fits and refusal.code == "credit_limit_exceeded"
            return
        assert fits
        self.model.move(
            *(("system:adjustments", key) if credit else (key, "system:adjustments")), amount
        )

    @rule(name=names, credit_limit=st.integers(min_value=0, max_value=30_000))
    def change_limit(self, name: str, credit_limit: int) -> None:
        key = f"member:{name}"
        allowed = (
            self.model.balance.get(key, 0) - self.model.debits_pending.get(key, 0) >= -credit_limit
        )

        def work(session):  # type: ignore[no-untyped-def]
            account = ledger.resolve_account(session, self.book.currency, name)
            ledger.set_limits(
                session,
                self.book.currency,
                account,
                min_balance=-credit_limit,
                max_balance=None,
                reason="property",
                by=None,
            )

        try:
            self.book.db.write_sync(work)
        except DomainError as refusal:
            assert not allowed and refusal.code == "limit_below_balance"
            return
        assert allowed
        self.model.floor[key] = -credit_limit

    @rule(payer=names, payee=names, amount=amounts, at=st.integers(min_value=1, max_value=12))
    def payment_failing_at_a_statement(self, payer: str, payee: str, amount: int, at: int) -> None:
        if payer == payee:
            return
        before = self.model.balance.copy()
        self.fault.arm(at)
        try:
            self._pay(payer, payee, amount, 150, 0, self._id())
        except InjectedFailure:
            assert self.model.balance == before
        finally:
            self.fault.disarm()

    @rule(payer=names, payee=names, amount=amounts)
    def payment_failing_after_its_legs_are_written(
        self, payer: str, payee: str, amount: int
    ) -> None:
        if payer == payee:
            return

        def work(session):  # type: ignore[no-untyped-def]
            ledger.pay(
                session,
                self.book.currency,
                members.get_member(session, payer),
                payee,
                amount,
                public_id=self._id(),
            )
            session.flush()
            raise InjectedFailure("the handler crashed before commit")

        try:
            self.book.db.write_sync(work)
        except (InjectedFailure, DomainError):
            pass

    @invariant()
    def every_invariant_holds(self) -> None:
        assert self.book.check() == []

    @invariant()
    def the_ledger_agrees_with_the_model(self) -> None:
        for key in [f"member:{n}" for n in NAMES] + ["system:fees", "system:adjustments"]:
            account = self.book.db.read_sync(
                lambda s, key=key: s.execute(
                    text(
                        "SELECT credits_posted - debits_posted, "
                        "debits_pending, credits_pending, min_balance "
                        "FROM accounts WHERE key = :key"
                    ),
                    {"key": key},
                ).one_or_none()
            )
            expected = (
                self.model.balance.get(key, 0),
                self.model.debits_pending.get(key, 0),
                self.model.credits_pending.get(key, 0),
            )
            if account is None:
                assert expected == (0, 0, 0), key
                continue
            assert tuple(account[:3]) == expected, key
            if key.startswith("member:"):
                assert account[3] == self.model.floor[key], key


def _empty_ledger(session: Any) -> None:
    for table in (
        "transfer_resolutions",
        "transfer_legs",
        "account_limit_changes",
        "transfers",
        "accounts",
    ):
        session.execute(text(f"DELETE FROM {table}"))


def test_random_operations_with_injected_failures_keep_every_invariant(book: Book) -> None:
    for name in NAMES:
        book.member(name, role=Role.member)
    fault = StatementFault(book.db)
    run_state_machine_as_test(
        lambda: LedgerMachine(book, fault),
        settings=settings(max_examples=25, stateful_step_count=25, deadline=None),
    )
