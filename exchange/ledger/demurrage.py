"""Demurrage: a periodic charge on positive balances, to keep the currency circulating (Chiemgauer).

Off unless `currency.demurrage_bps` is set. For each period that has ended, every member
account with a positive balance (posted, less pending debits) pays that many basis points
of it, rounded down, to system:demurrage. The charge's transfer id is derived from the
period and the account (`demurrage:2026-11:member:alice`), so it is unique per account and
period: running the sweep twice, or in two workers at once, charges once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Account, AccountKind, SystemAccount, Transfer, TransferKind, utcnow

from ..errors import DomainError
from .accounts import Locked, lock, system_account_id
from .rules import CurrencyRules
from .transfers import Leg, transfer


def period_key(day: date, period: str) -> str:
    """The name of the period `day` falls in: 2026-11-26, 2026-W48 or 2026-11."""
    if period == "day":
        return day.isoformat()
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{day.year}-{day.month:02d}"
    raise DomainError("invalid_period", f"unknown demurrage period {period!r}")


def last_complete_period(now: datetime, period: str) -> str:
    """The most recent period that has ended by `now` (UTC)."""
    today = now.date()
    if period == "day":
        return period_key(today - timedelta(days=1), period)
    if period == "week":
        return period_key(today - timedelta(days=7), period)
    return period_key(today.replace(day=1) - timedelta(days=1), period)


def next_period_start(now: datetime, period: str) -> datetime:
    """Midnight UTC at which the period containing `now` ends: when its charge is due."""
    start = datetime(now.year, now.month, now.day, tzinfo=UTC)
    if period == "day":
        return start + timedelta(days=1)
    if period == "week":
        return start + timedelta(days=7 - now.weekday())
    return datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=UTC)


def demurrage_id(period: str, account: Account | Locked) -> str:
    return f"demurrage:{period}:{account.key}"


def charge_demurrage(
    session: Session, currency: CurrencyRules, period: str, *, now: datetime | None = None
) -> int:
    """Charge every positive member account for `period`, once; returns how many were charged."""
    if currency.demurrage_bps == 0:
        return 0
    now = now or utcnow()
    sink = system_account_id(session, SystemAccount.demurrage)
    already = set(
        session.scalars(
            select(Transfer.public_id).where(Transfer.public_id.startswith(f"demurrage:{period}:"))
        )
    )
    positive = session.scalars(
        select(Account.id)
        .where(Account.kind == AccountKind.member)
        .where(Account.credits_posted - Account.debits_posted - Account.debits_pending > 0)
        .order_by(Account.id)
    ).all()
    charged = 0
    for account_id in positive:
        [account] = lock(session, [account_id]).values()
        public_id = demurrage_id(period, account)
        base = account.credits_posted - account.debits_posted - account.debits_pending
        amount = base * currency.demurrage_bps // 10_000
        if public_id in already or amount <= 0:
            continue
        transfer(
            session,
            currency,
            public_id=public_id,
            kind=TransferKind.demurrage,
            legs=[Leg(account.id, sink, amount)],
            memo=f"demurrage {period}",
            fields={"kind": "demurrage", "account": account.id, "period": period},
            now=now,
            locked={account.id: account},
        )
        charged += 1
    return charged
