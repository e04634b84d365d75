"""The ledger's invariants, checked from the rows themselves.

One function, `check_ledger`, serves `comptoir ledger check` and the property tests, so what
the tests prove after every step is what an admin can verify on a live city. The checks, in
the order they are reported:

1. the balances of all accounts add up to zero;
2. pending debits equal pending credits;
3. posted debits equal posted credits;
4. no account is past its floor or ceiling, counting pending amounts;
5. every transfer is balanced: it has legs, each a positive amount between two accounts,
   and only pending transfers have a resolution;
6. every account's four totals equal the sum of its legs (so a total changed behind the
   ledger's back is found even when it keeps the sums equal);
7. peer accounts appear only in settlement transfers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from models import (
    Account,
    AccountKind,
    Outcome,
    Transfer,
    TransferKind,
    TransferLeg,
    TransferResolution,
)

from .accounts import ceiling_margin, floor_margin
from .statements import Totals, totals


@dataclass
class LedgerReport:
    totals: Totals
    transfers: int
    legs: int
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations


def check_ledger(session: Session) -> LedgerReport:
    sums = totals(session)
    report = LedgerReport(
        totals=sums,
        transfers=session.scalar(select(func.count(Transfer.id))) or 0,
        legs=session.scalar(select(func.count(TransferLeg.id))) or 0,
    )
    problems = report.violations
    if sums.balance_sum != 0:
        problems.append(f"the balances add up to {sums.balance_sum} minor units, not zero")
    if sums.debits_pending != sums.credits_pending:
        problems.append(
            f"pending debits ({sums.debits_pending}) differ from pending credits "
            f"({sums.credits_pending})"
        )
    if sums.debits_posted != sums.credits_posted:
        problems.append(
            f"posted debits ({sums.debits_posted}) differ from posted credits "
            f"({sums.credits_posted})"
        )

    accounts = list(session.scalars(select(Account).order_by(Account.id)))
    for account in accounts:
        low, high = floor_margin(account), ceiling_margin(account)
        if low is not None and low < 0:
            problems.append(f"account {account.key} is {-low} minor units below its floor")
        if high is not None and high < 0:
            problems.append(f"account {account.key} is {-high} minor units above its ceiling")

    problems.extend(_unbalanced_transfers(session))
    problems.extend(_totals_against_legs(session, accounts))
    problems.extend(_peer_use(session))
    return report


def _unbalanced_transfers(session: Session) -> list[str]:
    found = []
    legless = session.scalars(
        select(Transfer.public_id)
        .outerjoin(TransferLeg, TransferLeg.transfer_id == Transfer.id)
        .where(TransferLeg.id.is_(None))
        .limit(5)
    ).all()
    found += [f"transfer {t} has no legs" for t in legless]
    bad = session.execute(
        select(Transfer.public_id, TransferLeg.position)
        .join(Transfer, Transfer.id == TransferLeg.transfer_id)
        .where(
            or_(
                TransferLeg.amount <= 0,
                TransferLeg.debit_account_id == TransferLeg.credit_account_id,
            )
        )
        .limit(5)
    ).all()
    found += [f"transfer {t} leg {n} is not a positive amount between two accounts" for t, n in bad]
    stray = session.scalars(
        select(Transfer.public_id)
        .join(TransferResolution, TransferResolution.pending_id == Transfer.id)
        .where(Transfer.pending.is_(False))
        .limit(5)
    ).all()
    found += [f"transfer {t} is not pending but has a resolution" for t in stray]
    return found


def _totals_against_legs(session: Session, accounts: list[Account]) -> list[str]:
    posted = or_(Transfer.pending.is_(False), TransferResolution.outcome == Outcome.posted)
    open_ = and_(Transfer.pending.is_(True), TransferResolution.id.is_(None))
    recomputed: dict[int, list[int]] = {a.id: [0, 0, 0, 0] for a in accounts}
    for column, offset in ((TransferLeg.debit_account_id, 0), (TransferLeg.credit_account_id, 1)):
        rows = session.execute(
            select(
                column,
                func.coalesce(func.sum(case((posted, TransferLeg.amount), else_=0)), 0),
                func.coalesce(func.sum(case((open_, TransferLeg.amount), else_=0)), 0),
            )
            .join(Transfer, Transfer.id == TransferLeg.transfer_id)
            .outerjoin(TransferResolution, TransferResolution.pending_id == Transfer.id)
            .group_by(column)
        )
        for account_id, posted_sum, pending_sum in rows:
            recomputed[account_id][offset] = int(posted_sum)
            recomputed[account_id][2 + offset] = int(pending_sum)
    found = []
    names = ("debits_posted", "credits_posted", "debits_pending", "credits_pending")
    for account in accounts:
        stored = [
            account.debits_posted,
            account.credits_posted,
            account.debits_pending,
            account.credits_pending,
        ]
        for name, have, want in zip(names, stored, recomputed[account.id], strict=True):
            if have != want:
                found.append(
                    f"account {account.key}: {name} is {have} but its legs add up to {want}"
                )
    return found


def _peer_use(session: Session) -> list[str]:
    peers = select(Account.id).where(Account.kind == AccountKind.peer)
    misused = session.scalars(
        select(Transfer.public_id)
        .join(TransferLeg, TransferLeg.transfer_id == Transfer.id)
        .where(Transfer.kind != TransferKind.settlement)
        .where(
            or_(TransferLeg.debit_account_id.in_(peers), TransferLeg.credit_account_id.in_(peers))
        )
        .distinct()
        .limit(5)
    ).all()
    return [f"transfer {t} moves a peer account outside settlement" for t in misused]
