"""Transfers: the one function that moves money, and the resolution of pending transfers.

`transfer` is the primitive every payment goes through (member payments, agreement payments,
adjustments, demurrage, settlement). In the caller's transaction it locks the accounts,
checks their limits counting pending amounts, and writes the transfer, its legs and the new
account totals, or raises DomainError having written nothing the caller will commit.

Idempotency (TigerBeetle's reliable submission): the caller chooses `public_id` and keeps it
for retries. A retry with the same id and the same fields returns the stored transfer; the
same id with other fields is refused with `transfer_exists_with_different_fields` (409).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import bindparam, insert, or_, select
from sqlalchemy.orm import Session

from models import (
    AccountKind,
    LegPurpose,
    Member,
    Outcome,
    Transfer,
    TransferKind,
    TransferLeg,
    TransferResolution,
    table_of,
    utcnow,
)

from ..errors import DomainError, NotFound
from .accounts import Locked, ceiling_margin, floor_margin, lock, save
from .rules import CurrencyRules, fmt
from .storage import store


@dataclass(frozen=True)
class Leg:
    """Move `amount` minor units from the debit account to the credit account."""

    debit: int
    credit: int
    amount: int
    purpose: LegPurpose = LegPurpose.amount


class StoredTransfer(Protocol):
    """A transfers row: the ORM `Transfer`, or the plain row `transfer` returns (cheaper to
    make).
    """

    id: int
    public_id: str
    kind: TransferKind
    pending: bool
    expires_at: datetime | None
    memo: str
    reference: str | None
    corrects_id: int | None
    created_by_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class Posting:
    """The stored transfer, and whether this call created it (False: an idempotent retry)."""

    transfer: StoredTransfer
    created: bool


def fingerprint(fields: Mapping[str, object]) -> str:
    """A stable hash of a request's fields, to tell a retry from a different request."""
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


_BY_PUBLIC_ID = select(*table_of(Transfer).c).where(
    table_of(Transfer).c.public_id == bindparam("public_id")
)


def transfer(
    session: Session,
    currency: CurrencyRules,
    *,
    public_id: str,
    kind: TransferKind,
    legs: Sequence[Leg],
    memo: str = "",
    pending: bool = False,
    expires_at: datetime | None = None,
    reference: str | None = None,
    corrects: StoredTransfer | None = None,
    created_by_id: int | None = None,
    fields: Mapping[str, object] | None = None,
    settlement: bool = False,
    now: datetime | None = None,
    locked: dict[int, Locked] | None = None,
) -> Posting:
    """Write one balanced transfer of `legs`, all or nothing, in the caller's transaction.

    `fields` are the request as the caller received it, for the idempotency comparison
    (default: the legs and options themselves). Only `settlement=True` may touch a peer
    account. With `pending=True` the amounts are reserved (pending totals) until
    `resolve` posts or voids them, or they expire at `expires_at`. `locked`: accounts the
    caller already locked in this transaction (`lock`); the others are locked here.
    """
    now = now or utcnow()
    if not legs:
        raise DomainError("no_legs", "a transfer moves at least one amount")
    for leg in legs:
        if leg.amount <= 0:
            raise DomainError("amount_not_positive", "every amount must be more than zero", 400)
        if leg.debit == leg.credit:
            raise DomainError("same_account", "a transfer cannot pay an account to itself")
    if len(public_id) > 120 or not public_id:
        raise DomainError("invalid_transfer_id", "a transfer id has 1 to 120 characters", 400)
    if expires_at is not None and not pending:
        raise DomainError("invalid_expiry", "only a pending transfer can expire", 400)
    print_ = fingerprint(
        dict(fields)
        if fields is not None
        else {
            "kind": kind.value,
            "legs": [(g.debit, g.credit, g.amount, g.purpose.value) for g in legs],
            "memo": memo,
            "pending": pending,
            "expires_at": expires_at,
            "reference": reference,
            "corrects": corrects.id if corrects else None,
        }
    )

    accounts = dict(locked or {})
    missing = {a for leg in legs for a in (leg.debit, leg.credit)} - set(accounts)
    if missing:
        accounts.update(lock(session, missing))
    if not settlement and any(a.kind is AccountKind.peer for a in accounts.values()):
        raise DomainError(
            "settlement_only", "a partner city's account moves only through settlement", 403
        )
    try:
        _check_limits(currency, accounts, legs, pending)
    except DomainError:
        replay = _replay(session, public_id, print_)
        if replay is not None:
            return replay
        raise

    for leg in legs:
        debit, credit = accounts[leg.debit], accounts[leg.credit]
        if pending:
            debit.debits_pending += leg.amount
            credit.credits_pending += leg.amount
        else:
            debit.debits_posted += leg.amount
            credit.credits_posted += leg.amount
    row = store(
        session,
        {
            "public_id": public_id,
            "kind": kind,
            "fingerprint": print_,
            "pending": pending,
            "expires_at": expires_at,
            "memo": memo,
            "reference": reference,
            "corrects_id": corrects.id if corrects else None,
            "created_by_id": created_by_id,
            "created_at": now,
        },
        legs,
        accounts.values(),
    )
    if row is None:  # the id exists: committed before us, or by a concurrent request just now
        replay = _replay(session, public_id, print_)
        assert replay is not None
        return replay
    return Posting(row, True)


def _replay(session: Session, public_id: str, print_: str) -> Posting | None:
    existing = session.execute(_BY_PUBLIC_ID, {"public_id": public_id}).one_or_none()
    if existing is None:
        return None
    if existing.fingerprint != print_:
        raise DomainError(
            "transfer_exists_with_different_fields",
            f"a different transfer already has the id {public_id!r}; "
            "choose a new id for a new transfer",
            409,
        )
    return Posting(existing, False)


def _check_limits(
    currency: CurrencyRules, accounts: dict[int, Locked], legs: Sequence[Leg], pending: bool
) -> None:
    """Refuse a transfer that would take an account past its floor or ceiling.

    Pessimistic, as TigerBeetle: pending debits count against the floor and pending credits
    against the ceiling, and a pending transfer's own credits do not help its debits.
    """
    debits: dict[int, int] = {}
    credits: dict[int, int] = {}
    for leg in legs:
        debits[leg.debit] = debits.get(leg.debit, 0) + leg.amount
        credits[leg.credit] = credits.get(leg.credit, 0) + leg.amount
    for account_id in sorted(accounts):
        account = accounts[account_id]
        debit, credit = debits.get(account_id, 0), credits.get(account_id, 0)
        margin = floor_margin(account)
        if debit and margin is not None and margin + (0 if pending else credit) < debit:
            raise DomainError(
                "credit_limit_exceeded",
                f"{account.key} cannot pay {fmt(currency, debit)}: "
                f"{fmt(currency, max(margin, 0))} available within its credit limit",
                params={"account": account.key, "amount": debit, "available": max(margin, 0)},
            )
        margin = ceiling_margin(account)
        if credit and margin is not None and margin + (0 if pending else debit) < credit:
            raise DomainError(
                "balance_limit_exceeded",
                f"{account.key} cannot receive {fmt(currency, credit)}: "
                f"{fmt(currency, max(margin, 0))} left below its maximum balance",
                params={"account": account.key, "amount": credit, "available": max(margin, 0)},
            )


_TRANSFERS = table_of(Transfer)
_LEGS = table_of(TransferLeg)
_RESOLUTION_TABLE = table_of(TransferResolution)

#: the pending transfer and its legs, one row per leg: one statement built once (was two
#: ORM loads)
_PENDING_WITH_LEGS = (
    select(
        _TRANSFERS.c.id,
        _TRANSFERS.c.pending,
        _TRANSFERS.c.expires_at,
        _LEGS.c.debit_account_id,
        _LEGS.c.credit_account_id,
        _LEGS.c.amount,
    )
    .outerjoin(_LEGS, _LEGS.c.transfer_id == _TRANSFERS.c.id)
    .where(_TRANSFERS.c.public_id == bindparam("public_id"))
    .order_by(_LEGS.c.position)
)
#: a resolution with this id, or of this pending transfer: one statement built once (was two)
_RESOLUTIONS = select(
    _RESOLUTION_TABLE.c.id,
    _RESOLUTION_TABLE.c.public_id,
    _RESOLUTION_TABLE.c.pending_id,
    _RESOLUTION_TABLE.c.outcome,
    _RESOLUTION_TABLE.c.created_at,
).where(
    or_(
        _RESOLUTION_TABLE.c.public_id == bindparam("public_id"),
        _RESOLUTION_TABLE.c.pending_id == bindparam("pending"),
    )
)
_INSERT_RESOLUTION = insert(_RESOLUTION_TABLE).returning(_RESOLUTION_TABLE.c.id)


@dataclass(frozen=True)
class Resolution:
    """A transfer_resolutions row as `resolve` wrote or found it (a plain row: the settlement
    steps that resolve holds never read it back as an object)."""

    id: int
    public_id: str
    pending_id: int
    outcome: Outcome
    created_at: datetime


def resolve(
    session: Session,
    pending_public_id: str,
    outcome: Outcome,
    *,
    public_id: str | None = None,
    by: Member | None = None,
    settlement: bool = False,
    now: datetime | None = None,
) -> Resolution:
    """Post, void or expire a pending transfer, at most once.

    A retry with the same `public_id` and outcome returns the stored resolution; any other
    second resolution is refused (`pending_transfer_already_posted` and the like). Posting
    or voiding after `expires_at` is refused: timeouts are deterministic. Core statements
    built once, as `transfer`'s: both sides of every settlement resolve a hold.
    """
    now = now or utcnow()
    public_id = public_id or f"{pending_public_id}:{outcome.value}"
    connection = session.connection()
    rows = connection.execute(_PENDING_WITH_LEGS, {"public_id": pending_public_id}).all()
    if not rows:
        raise NotFound(f"transfer {pending_public_id!r}")
    pending_id, is_pending, expires_at = rows[0][:3]
    if not is_pending:
        raise DomainError(
            "not_pending", f"transfer {pending_public_id!r} is not a pending transfer", 409
        )
    legs = [(debit, credit, amount) for *_, debit, credit, amount in rows if debit is not None]
    accounts = lock(session, [a for debit, credit, _ in legs for a in (debit, credit)])
    peer = any(a.kind is AccountKind.peer for a in accounts.values())
    if peer and not settlement and outcome is not Outcome.expired:
        raise DomainError(
            "settlement_only", "a partner city's account moves only through settlement", 403
        )

    found = [
        Resolution(*row)
        for row in connection.execute(_RESOLUTIONS, {"public_id": public_id, "pending": pending_id})
    ]
    same_id = next((r for r in found if r.public_id == public_id), None)
    if same_id is not None and (same_id.pending_id != pending_id or same_id.outcome is not outcome):
        raise DomainError(
            "resolution_exists_with_different_fields",
            f"the id {public_id!r} already resolved another transfer or with another outcome",
            409,
        )
    done = next((r for r in found if r.pending_id == pending_id), None)
    if done is not None:
        if done.public_id == public_id:
            return done
        raise DomainError(
            f"pending_transfer_already_{done.outcome.value}",
            f"transfer {pending_public_id!r} is already {done.outcome.value}",
            409,
        )
    expired = expires_at is not None and expires_at <= now
    if outcome is Outcome.expired and not expired:
        raise DomainError(
            "not_expired", f"transfer {pending_public_id!r} has not reached its expiry", 409
        )
    if outcome is not Outcome.expired and expired:
        raise DomainError(
            "pending_transfer_expired", f"transfer {pending_public_id!r} has expired", 409
        )

    values = {
        "public_id": public_id,
        "pending_id": pending_id,
        "outcome": outcome,
        "created_by_id": by.id if by else None,
        "created_at": now,
    }
    resolution_id = connection.execute(_INSERT_RESOLUTION, values).scalar_one()
    for debit_id, credit_id, amount in legs:
        debit, credit = accounts[debit_id], accounts[credit_id]
        debit.debits_pending -= amount
        credit.credits_pending -= amount
        if outcome is Outcome.posted:
            debit.debits_posted += amount
            credit.credits_posted += amount
    save(session, accounts.values())
    return Resolution(resolution_id, public_id, pending_id, outcome, now)


def expire_due(session: Session, *, now: datetime | None = None, limit: int = 500) -> int:
    """Expire pending transfers whose time is up (the sweep job); returns how many."""
    now = now or utcnow()
    due = session.scalars(
        select(Transfer.public_id)
        .outerjoin(TransferResolution, TransferResolution.pending_id == Transfer.id)
        .where(
            Transfer.pending.is_(True), Transfer.expires_at <= now, TransferResolution.id.is_(None)
        )
        .order_by(Transfer.expires_at)
        .limit(limit)
    ).all()
    for public_id in due:
        resolve(session, public_id, Outcome.expired, now=now)
    return len(due)


def find_transfer(session: Session, public_id: str) -> Transfer:
    found = session.scalar(select(Transfer).where(Transfer.public_id == public_id))
    if found is None:
        raise NotFound(f"transfer {public_id!r}")
    return found
