"""A ledger on a real, migrated database of each backend, and the words the tests speak in."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator
from dataclasses import replace
from fractions import Fraction
from typing import Any

import pytest
from sqlalchemy import func, select

from exchange import ledger, members
from exchange.members import Credentials
from instance.database import Database
from instance.settings import Currency
from models import (
    Account,
    LimitChange,
    Member,
    MemberStatus,
    Role,
    Transfer,
    TransferLeg,
    TransferResolution,
)

#: scale 2, credit limit 100.00, no ceiling, no fee, no demurrage
CURRENCY = Currency(
    code="GRN",
    name="Grain",
    symbol="G",
    scale=2,
    unit_hours=Fraction(1, 60),
    credit_limit=10_000,
    balance_limit=None,
)


@functools.cache
def credentials() -> Credentials:
    """One real password hash and key pair, shared: members are many, hashing is slow."""
    return members.prepare_credentials("correct horse battery")


class Book:
    """A city's ledger as the tests use it: members by name, amounts as decimal strings."""

    def __init__(
        self, db: Database, currency: Currency = CURRENCY, ids: Iterator[int] | None = None
    ) -> None:
        self.db = db
        self.currency = currency
        self._ids = ids or itertools.count(1)

    def with_currency(self, **changes: Any) -> Book:
        """The same city under other currency rules (fees, demurrage, default limits)."""
        return Book(self.db, replace(self.currency, **changes), self._ids)

    def member(
        self, name: str, *, role: Role = Role.member, status: MemberStatus = MemberStatus.active
    ) -> Member:
        return self.db.write_sync(
            lambda s: members.add_member(s, name, credentials(), role=role, status=status)
        )

    def get(self, name: str) -> Member:
        return self.db.read_sync(lambda s: members.get_member(s, name))

    def next_id(self) -> str:
        return f"t{next(self._ids)}"

    def pay(
        self, payer: str, payee: str, amount: str, *, id: str | None = None, memo: str = ""
    ) -> ledger.Posting:
        minor = self.currency.to_minor(amount)
        public_id = id or self.next_id()
        return self.db.write_sync(
            lambda s: ledger.pay(
                s,
                self.currency,
                members.get_member(s, payer),
                payee,
                minor,
                memo=memo,
                public_id=public_id,
            )
        )

    def account(self, name: str) -> Account:
        return self.db.read_sync(
            lambda s: ledger.resolve_account(s, self.currency, name, create=False)
        )

    def balance(self, name: str) -> str:
        return self.currency.format(self.account(name).balance)

    def rows(self) -> dict[str, int]:
        """How many rows the ledger has, table by table: to prove a refusal wrote nothing."""
        tables = {
            "accounts": Account,
            "transfers": Transfer,
            "legs": TransferLeg,
            "resolutions": TransferResolution,
            "limit_changes": LimitChange,
        }

        def count(session):  # type: ignore[no-untyped-def]
            return {
                name: session.scalar(select(func.count()).select_from(t))
                for name, t in tables.items()
            }

        return self.db.read_sync(count)

    def check(self) -> list[str]:
        return self.db.read_sync(ledger.check_ledger).violations


@pytest.fixture
def book(db: Database) -> Book:
    return Book(db)
