"""Our net position with a partner city: its `peer:<partner>` ledger account against the
caps of the version in force, counted the way the ledger's limit checks count (pending
included). Read by a proposal's cap check, the admin views and reconciliation.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Account

from .ledger.accounts import peer_key


@dataclass(frozen=True)
class Position:
    """Our `peer:<partner>` account against the caps of the version in force."""

    #: credits - debits posted; positive: our residents owe the partner's (import)
    balance: int
    #: counting pending settlements the way the ledger's limit checks do
    pending_debits: int
    pending_credits: int
    min_balance: int | None
    max_balance: int | None
    #: OK, ALERT (past half a cap, pending counted) or KO (at or past a cap)
    status: str


def position(session: Session, partner: str) -> Position:
    account = session.scalar(select(Account).where(Account.key == peer_key(partner)))
    if account is None:
        return Position(0, 0, 0, None, None, "OK")
    balance = account.credits_posted - account.debits_posted
    high = balance + account.credits_pending
    low = balance - account.debits_pending
    return Position(
        balance,
        account.debits_pending,
        account.credits_pending,
        account.min_balance,
        account.max_balance,
        _status(low, high, account.min_balance, account.max_balance),
    )


def _status(low: int, high: int, floor: int | None, ceiling: int | None) -> str:
    worst = "OK"
    for used, cap in ((high, ceiling), (-low, None if floor is None else -floor)):
        if cap is None or used <= 0:
            continue
        if used >= cap:
            return "KO"
        if 2 * used > cap:
            worst = "ALERT"
    return worst
