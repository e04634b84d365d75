"""Paying a funded project's money out of its account: the payout (issue 15).

When the deadline sweep finds a project funded, every pledge is posted into `project:<slug>`
and no member holds that money any more. The organiser (the project's owner) or staff then
pay it out, to members who did the work or sold the supplies, or to the organiser. A payout
is a transfer of its own kind (`payout`) from the project's account to the member's, with
the project in its memo and its id as the reference, so statements and `comptoir ledger`
show where the pledges went. No fee: it is the project's money, not a member's payment.

Never more than the account holds: the project's account is locked with the payee's
(`SELECT … FOR UPDATE`, in id order), what it still holds is read under the lock, and the
ledger's floor (0) refuses an overdraft anyway, so two payouts racing cannot spend the same
money. Refusals, each before anything is written: `amount_not_positive` (400),
`payout_not_allowed` (403), `unknown_member` (404), `payee_not_active`, `project_not_funded`,
`payout_over_balance` (409).
Functions over a session; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Account,
    Member,
    MemberStatus,
    Project,
    ProjectState,
    Transfer,
    TransferKind,
    TransferLeg,
)

from . import ledger
from .amounts import parse_amount
from .errors import DomainError
from .ledger import CurrencyRules, Posting
from .ledger.accounts import floor_margin
from .ledger.payments import MAX_MEMO
from .ledger.rules import fmt

#: the prefix of a payout's transfer id: `payout:<public id>`
PREFIX = "payout:"


def may_pay_out(member: Member | None, project: Project) -> bool:
    """The organiser and active staff may pay a project's funds out; None is the command line."""
    if member is None:
        return True
    if not member.is_active:
        return False
    return member.is_moderator or member.id == project.owner_id


def parse_payout_amount(text: str, scale: int) -> int:
    """An amount as typed (`12.50`) as minor units; zero or less is `amount_not_positive`,
    the refusal the use case gives, whatever the edge."""
    if text.strip().startswith("-"):
        raise DomainError("amount_not_positive", "the amount must be more than zero", 400)
    return parse_amount(text, scale, allow_zero=True)


def not_allowed() -> DomainError:
    return DomainError(
        "payout_not_allowed",
        "only the project's organiser, moderators and admins pay out its funds",
        403,
    )


def available(session: Session, project: Project) -> int:
    """What the project's account can still pay out (posted, less pending debits)."""
    if project.account_id is None:
        return 0
    account = session.get(Account, project.account_id)
    margin = floor_margin(account) if account is not None else None
    return max(margin or 0, 0)


def memo_of(project: Project, memo: str) -> str:
    """The transfer's memo: the project first, so a statement line says where it came from."""
    head = f"project {project.slug}"
    return f"{head}: {memo}"[:MAX_MEMO] if memo else head


def _payee(session: Session, username: str) -> Member:
    name = username.strip().removeprefix("@").lower()
    payee = session.scalar(select(Member).where(Member.username == name))
    if payee is None or payee.status is MemberStatus.declined:
        raise DomainError("unknown_member", f"there is no member @{name} here", 404, {"name": name})
    if payee.status is not MemberStatus.active:
        raise DomainError(
            "payee_not_active",
            f"@{payee.username} cannot receive payments now",
            409,
            {"name": payee.username},
        )
    return payee


def pay_out(
    session: Session,
    currency: CurrencyRules,
    project: Project,
    by: Member | None,
    payee_username: str,
    amount: int,
    *,
    memo: str = "",
    public_id: str,
    now: datetime | None = None,
) -> Posting:
    """Pay `amount` from the project's account to the member `payee_username`.

    `by` is the organiser or a moderator or admin (None: the command line). `public_id` is
    the client's id (ledger.check_client_id): a retry with the same id and fields returns the
    first payout instead of paying twice.
    """
    if not may_pay_out(by, project):
        raise not_allowed()
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise DomainError("amount_not_positive", "the amount must be more than zero", 400)
    if not isinstance(memo, str) or len(memo) > MAX_MEMO:
        raise DomainError(
            "invalid_memo", f"memo must be at most {MAX_MEMO} characters", 400, {"limit": MAX_MEMO}
        )
    if project.state is not ProjectState.funded or project.account_id is None:
        raise DomainError(
            "project_not_funded",
            f"this project is {project.state.value}: only a funded project pays out",
            409,
            {"state": project.state.value},
        )
    payee = _payee(session, payee_username)
    account = ledger.member_account_ids(session, currency, [payee])[payee.id]
    locked = ledger.lock(session, [project.account_id, account])
    held = max(floor_margin(locked[project.account_id]) or 0, 0)
    transfer_id = f"{PREFIX}{public_id}"
    retry = session.scalar(select(Transfer.id).where(Transfer.public_id == transfer_id))
    # a retry of a payout made is answered by the ledger (the first one, or a refusal when
    # its fields differ), even when what it paid left less than its amount
    if amount > held and retry is None:
        raise DomainError(
            "payout_over_balance",
            f"the project's account holds {fmt(currency, held)} {currency.code}: "
            f"it cannot pay {fmt(currency, amount)}",
            409,
            {"amount": amount, "available": held},
        )
    return ledger.transfer(
        session,
        currency,
        public_id=transfer_id,
        kind=TransferKind.payout,
        legs=[ledger.Leg(project.account_id, account, amount)],
        memo=memo_of(project, memo.strip()),
        reference=project.uri,
        created_by_id=by.id if by is not None else None,
        now=now,
        locked=locked,
    )


@dataclass(frozen=True)
class Payout:
    """One payout as the project's page and `comptoir projects show` list it."""

    transfer: str
    payee: str
    amount: int
    memo: str
    created_at: datetime


def payouts_of(session: Session, project: Project) -> list[Payout]:
    """The project's payouts, oldest first."""
    query = (
        select(
            Transfer.public_id,
            Member.username,
            TransferLeg.amount,
            Transfer.memo,
            Transfer.created_at,
        )
        .join(TransferLeg, TransferLeg.transfer_id == Transfer.id)
        .join(Account, Account.id == TransferLeg.credit_account_id)
        .join(Member, Member.id == Account.member_id)
        .where(Transfer.kind == TransferKind.payout, Transfer.reference == project.uri)
        .order_by(Transfer.id)
    )
    return [Payout(*row) for row in session.execute(query)]
