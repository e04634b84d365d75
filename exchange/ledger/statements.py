"""Statements: what an account holder and an admin read from the ledger.

A statement line is one leg seen from one account: signed (credits positive, debits
negative), with the other account of the leg as counterparty. A payment with a fee is
therefore two lines for the payer (the amount, and the fee). A pending transfer's lines
carry its status (pending, posted, voided, expired); only posted lines count in the balance.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import String, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from models import Account, LegPurpose, Transfer, TransferKind, TransferLeg, TransferResolution

from ..errors import DomainError
from .rules import CurrencyRules, fmt
from .transfers import StoredTransfer


@dataclass(frozen=True)
class Entry:
    leg_id: int
    transfer_id: str
    kind: TransferKind
    status: str
    created_at: datetime
    resolved_at: datetime | None
    purpose: LegPurpose
    counterparty: str
    #: from this account's side: positive credited, negative debited
    amount: int
    memo: str


@dataclass(frozen=True)
class LegView:
    debit: str
    credit: str
    amount: int
    purpose: LegPurpose


@dataclass(frozen=True)
class TransferView:
    public_id: str
    kind: TransferKind
    status: str
    created_at: datetime
    resolved_at: datetime | None
    expires_at: datetime | None
    memo: str
    reference: str | None
    corrects: str | None
    legs: list[LegView]
    #: member ids of the accounts involved, for access checks
    member_ids: frozenset[int]


@dataclass(frozen=True)
class Totals:
    accounts: int
    debits_posted: int
    credits_posted: int
    debits_pending: int
    credits_pending: int

    @property
    def balance_sum(self) -> int:
        return self.credits_posted - self.debits_posted


def _status() -> Any:
    return case(
        (Transfer.pending.is_(False), "posted"),
        else_=func.coalesce(TransferResolution.outcome, "pending", type_=String),
    )


def _entries(account_id: int) -> Any:
    debit, credit = aliased(Account), aliased(Account)
    return (
        select(
            TransferLeg.id,
            Transfer.public_id,
            Transfer.kind,
            _status(),
            Transfer.created_at,
            TransferResolution.created_at,
            TransferLeg.purpose,
            TransferLeg.debit_account_id,
            debit.key,
            credit.key,
            TransferLeg.amount,
            Transfer.memo,
        )
        .join(Transfer, Transfer.id == TransferLeg.transfer_id)
        .join(debit, debit.id == TransferLeg.debit_account_id)
        .join(credit, credit.id == TransferLeg.credit_account_id)
        .outerjoin(TransferResolution, TransferResolution.pending_id == Transfer.id)
        .where(
            or_(
                TransferLeg.debit_account_id == account_id,
                TransferLeg.credit_account_id == account_id,
            )
        )
    )


def _entry(account_id: int, row: Any) -> Entry:
    (
        leg_id,
        public_id,
        kind,
        status,
        created,
        resolved,
        purpose,
        debit_id,
        debit_key,
        credit_key,
        amount,
        memo,
    ) = row
    outgoing = debit_id == account_id
    return Entry(
        leg_id=leg_id,
        transfer_id=public_id,
        kind=kind,
        status=str(status),
        created_at=created,
        resolved_at=resolved,
        purpose=purpose,
        counterparty=credit_key if outgoing else debit_key,
        amount=-amount if outgoing else amount,
        memo=memo,
    )


def history(
    session: Session, account_id: int, *, limit: int, before: int | None = None
) -> list[Entry]:
    """The newest `limit` lines of the account, older than the line id `before` (the cursor)."""
    query = _entries(account_id).order_by(TransferLeg.id.desc()).limit(limit)
    if before is not None:
        query = query.where(TransferLeg.id < before)
    return [_entry(account_id, row) for row in session.execute(query)]


def day_range(first: str | None, last: str | None) -> tuple[datetime | None, datetime | None]:
    """Two ISO dates (YYYY-MM-DD, both days included, UTC; either may be missing) as a half-open
    range of instants for `entries_between`. A malformed date or a reversed range is a 400."""
    days: list[date | None] = []
    for name, text in (("from", first), ("to", last)):
        if not text:
            days.append(None)
            continue
        try:
            if (
                len(text) != 10
            ):  # fromisoformat also takes 20261130 and week dates: only YYYY-MM-DD here
                raise ValueError(text)
            days.append(date.fromisoformat(text))
        except ValueError:
            raise DomainError(
                "invalid_date", f"{name} must be a date like 2026-11-30 (got {text!r})", 400
            ) from None
    start, end = days
    if start is not None and end is not None and start > end:
        raise DomainError("invalid_date_range", f"from ({start}) is after to ({end})", 400)
    return (
        datetime(start.year, start.month, start.day, tzinfo=UTC) if start else None,
        datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1) if end else None,
    )


def entries_between(
    session: Session, account_id: int, start: datetime | None, end: datetime | None
) -> list[Entry]:
    """Every line of the account with its transfer made in [start, end), oldest first."""
    query = _entries(account_id).order_by(TransferLeg.id)
    if start is not None:
        query = query.where(Transfer.created_at >= start)
    if end is not None:
        query = query.where(Transfer.created_at < end)
    return [_entry(account_id, row) for row in session.execute(query)]


CSV_HEADER = [
    "date",
    "transfer",
    "kind",
    "status",
    "purpose",
    "counterparty",
    "debit",
    "credit",
    "memo",
    "counterpart_name",
    "item",
]


def statement_csv(
    entries: list[Entry],
    currency: CurrencyRules,
    names: Mapping[int, tuple[str, str]] | None = None,
) -> str:
    """The lines as CSV for spreadsheets: one row per line, amounts as decimal strings.

    `names` gives, by leg id, the counterpart as people read it and the item paid for
    (exchange/receipts.py reads them); the last two columns are empty without it.
    """
    names = names or {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for e in entries:
        writer.writerow(
            [
                e.created_at.isoformat(timespec="seconds"),
                e.transfer_id,
                e.kind.value,
                e.status,
                e.purpose.value,
                e.counterparty,
                fmt(currency, -e.amount) if e.amount < 0 else "",
                fmt(currency, e.amount) if e.amount > 0 else "",
                _spreadsheet_safe(e.memo),
                *(_spreadsheet_safe(text) for text in names.get(e.leg_id, ("", ""))),
            ]
        )
    return out.getvalue()


def _spreadsheet_safe(text: str) -> str:
    """A memo starting with = + - @ would run as a formula in a spreadsheet: quote it."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def describe(session: Session, transfer: StoredTransfer) -> TransferView:
    debit, credit = aliased(Account), aliased(Account)
    legs = session.execute(
        select(
            debit.key,
            credit.key,
            TransferLeg.amount,
            TransferLeg.purpose,
            debit.member_id,
            credit.member_id,
        )
        .join(debit, debit.id == TransferLeg.debit_account_id)
        .join(credit, credit.id == TransferLeg.credit_account_id)
        .where(TransferLeg.transfer_id == transfer.id)
        .order_by(TransferLeg.position)
    ).all()
    resolution = None
    if transfer.pending:
        resolution = session.scalar(
            select(TransferResolution).where(TransferResolution.pending_id == transfer.id)
        )
    corrects = None
    if transfer.corrects_id is not None:
        corrects = session.scalar(
            select(Transfer.public_id).where(Transfer.id == transfer.corrects_id)
        )
    status = (
        "posted"
        if not transfer.pending
        else (resolution.outcome.value if resolution else "pending")
    )
    return TransferView(
        public_id=transfer.public_id,
        kind=transfer.kind,
        status=status,
        created_at=transfer.created_at,
        resolved_at=resolution.created_at if resolution else None,
        expires_at=transfer.expires_at,
        memo=transfer.memo,
        reference=transfer.reference,
        corrects=corrects,
        legs=[LegView(d, c, amount, purpose) for d, c, amount, purpose, _, _ in legs],
        member_ids=frozenset(m for *_, dm, cm in legs for m in (dm, cm) if m is not None),
    )


def accounts_page(session: Session, *, limit: int, after: int | None = None) -> list[Account]:
    """Every account, by id, for the admin's overview."""
    query = select(Account).order_by(Account.id).limit(limit)
    if after is not None:
        query = query.where(Account.id > after)
    return list(session.scalars(query))


def totals(session: Session) -> Totals:
    row = session.execute(
        select(
            func.count(Account.id),
            func.coalesce(func.sum(Account.debits_posted), 0),
            func.coalesce(func.sum(Account.credits_posted), 0),
            func.coalesce(func.sum(Account.debits_pending), 0),
            func.coalesce(func.sum(Account.credits_pending), 0),
        )
    ).one()
    return Totals(*(int(v) for v in row))
