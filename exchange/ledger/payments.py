"""Payments between members, and admin adjustments: the transfers people ask for by name.

Both are thin: they check who may ask, build the legs (the amount, and the fee as a leg of
its own to the fees account), and hand them to `transfer`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from models import (
    Account,
    LegPurpose,
    Member,
    MemberStatus,
    Role,
    SystemAccount,
    TransferKind,
    new_public_id,
    table_of,
)

from ..errors import DomainError, Forbidden, NotFound
from .accounts import LOCKED_COLUMNS, Locked, member_account_ids, system_account_id
from .rules import CurrencyRules, fee_for
from .transfers import Leg, Posting, StoredTransfer, transfer

#: ids clients choose: no ':' (reserved for ids the system derives, like demurrage's)
CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_MEMO = 500

#: payer and payee with their accounts, locked in id order: one statement on every payment's path
#: (built once: building a statement costs more than running it here). If either of them has
#: no account yet, it locks and returns nothing: `pay` then creates the accounts and asks
#: again. Locking the existing one first would deadlock: holding its lock, we would wait on
#: another first payment's uncommitted insert of the missing account, while that payment
#: waits for the lock we hold.
_MEMBERS, _ACCOUNTS = table_of(Member), table_of(Account)
_M, _A = _MEMBERS.alias("m"), _ACCOUNTS.alias("a")
_PARTIES = (
    select(
        _MEMBERS.c.id.label("member_id"), _MEMBERS.c.username, _MEMBERS.c.status, *LOCKED_COLUMNS
    )
    .join(_ACCOUNTS, _ACCOUNTS.c.member_id == _MEMBERS.c.id)
    .where(or_(_MEMBERS.c.id == bindparam("payer"), _MEMBERS.c.username == bindparam("payee")))
    .where(
        ~select(_M.c.id)
        .outerjoin(_A, _A.c.member_id == _M.c.id)
        .where(
            or_(_M.c.id == bindparam("payer"), _M.c.username == bindparam("payee")),
            _A.c.id.is_(None),
        )
        .exists()
    )
    .order_by(_ACCOUNTS.c.id)
    .with_for_update(of=_ACCOUNTS)
)


def check_client_id(public_id: str | None) -> str:
    """The client's transfer id, or a new one; the client keeps it to retry safely."""
    if public_id is None:
        return new_public_id()
    if not isinstance(public_id, str) or not CLIENT_ID_RE.match(public_id):
        raise DomainError(
            "invalid_transfer_id", "a transfer id is 1 to 64 letters, digits, '-' or '_'", 400
        )
    return public_id


def _check_memo(memo: str) -> str:
    if not isinstance(memo, str):
        raise DomainError("invalid_memo", "memo must be a string", 400)
    if len(memo) > MAX_MEMO:
        raise DomainError(
            "invalid_memo", f"memo must be at most {MAX_MEMO} characters", 400, {"limit": MAX_MEMO}
        )
    return memo.strip()


def _standing(status: MemberStatus) -> None:
    if status is MemberStatus.suspended:
        raise DomainError("suspended", "this account is suspended", 403)
    if status is MemberStatus.pending:
        raise DomainError("pending", "this account is waiting for a moderator's approval", 403)
    if status is MemberStatus.declined:
        raise DomainError("declined", "this application was declined", 403)


def pay(
    session: Session,
    currency: CurrencyRules,
    payer: Member,
    payee_username: str,
    amount: int,
    *,
    memo: str = "",
    public_id: str,
    kind: TransferKind = TransferKind.payment,
    reference: str | None = None,
    now: datetime | None = None,
) -> Posting:
    """Move `amount` from the payer to the payee, plus the fee if the city charges one.

    exchange.agreements.pay calls this with `kind=TransferKind.agreement`, the agreement as
    `reference` and an id derived from the agreement, inside the transaction that marks it
    paid: the agreement's state refuses a second payment, and the derived id would anyway.
    """
    if amount <= 0:
        raise DomainError("amount_not_positive", "the amount must be more than zero", 400)
    memo = _check_memo(memo)
    username = payee_username.strip().removeprefix("@").lower()
    parties = _parties(session, currency, payer, username)
    current_payer = next((p for p in parties if p.member_id == payer.id), None)
    if current_payer is None:
        raise NotFound(f"member {payer.username!r}")
    _standing(current_payer.status)
    payee = next((p for p in parties if p.username == username), None)
    if payee is None:
        raise NotFound(f"member {username!r}")
    if payee.member_id == current_payer.member_id:
        raise DomainError("cannot_pay_yourself", "you cannot pay yourself")
    if payee.status is not MemberStatus.active:
        raise DomainError(
            "payee_not_active",
            f"@{payee.username} cannot receive payments now",
            params={"name": payee.username},
        )

    legs = [Leg(current_payer.id, payee.id, amount)]
    fee = fee_for(currency, amount)
    if fee > 0:
        legs.append(
            Leg(
                current_payer.id,
                system_account_id(session, SystemAccount.fees),
                fee,
                LegPurpose.fee,
            )
        )
    fields = {
        "kind": kind.value,
        "from": current_payer.member_id,
        "to": payee.member_id,
        "amount": amount,
        "memo": memo,
        "reference": reference,
    }
    return transfer(
        session,
        currency,
        public_id=public_id,
        kind=kind,
        legs=legs,
        memo=memo,
        reference=reference,
        created_by_id=current_payer.member_id,
        fields=fields,
        now=now,
        locked={p.id: Locked(*p[3:]) for p in parties},
    )


def _parties(session: Session, currency: CurrencyRules, payer: Member, username: str) -> list[Any]:
    """Payer and payee rows with their accounts locked; accounts are created the first time."""
    params = {"payer": payer.id, "payee": username}
    parties = list(session.connection().execute(_PARTIES, params))
    if len(parties) == 2 or (
        len(parties) == 1 and parties[0].username == username == payer.username
    ):
        return parties
    people = list(
        session.execute(
            select(Member.id, Member.username).where(
                or_(Member.id == payer.id, Member.username == username)
            )
        )
    )
    member_account_ids(session, currency, people)
    return list(session.connection().execute(_PARTIES, params))


def adjust(
    session: Session,
    currency: CurrencyRules,
    account: Account,
    amount: int,
    *,
    credit: bool,
    reason: str,
    by: Member | None,
    public_id: str,
    corrects: StoredTransfer | None = None,
    now: datetime | None = None,
) -> Posting:
    """An admin's correction: credit (or debit) an account against system:adjustments, with a
    reason.

    To correct an earlier transfer, name it in `corrects`; the earlier one stays as it was.
    """
    if by is not None and by.role is not Role.admin:
        raise Forbidden("only an admin can adjust balances")
    if not reason.strip():
        raise DomainError("reason_required", "an adjustment needs a reason")
    if amount <= 0:
        raise DomainError("amount_not_positive", "the amount must be more than zero", 400)
    adjustments = system_account_id(session, SystemAccount.adjustments)
    if account.id == adjustments:
        raise DomainError("same_account", "system:adjustments cannot be adjusted against itself")
    leg = Leg(adjustments, account.id, amount) if credit else Leg(account.id, adjustments, amount)
    fields = {
        "kind": TransferKind.adjustment.value,
        "account": account.id,
        "amount": amount,
        "credit": credit,
        "reason": reason.strip(),
        "corrects": corrects.id if corrects else None,
    }
    return transfer(
        session,
        currency,
        public_id=public_id,
        kind=TransferKind.adjustment,
        legs=[leg],
        memo=reason.strip(),
        corrects=corrects,
        created_by_id=by.id if by else None,
        fields=fields,
        now=now,
    )
