"""Accounts: finding and creating them, locking them, and the limits they enforce.

Member accounts are created lazily, the first time something needs them (a payment, an
adjustment, a limit change), with the currency's default limits of that moment. So members
who existed before the ledger get theirs the same way as new ones, and reads of a member
without an account show an empty one (`member_view`) without writing.

Locking: every transfer locks all the accounts it touches with `SELECT ... FOR UPDATE`, in
ascending id order, so two transfers over the same accounts wait for each other instead of
deadlocking. On SQLite the write transaction already holds the database lock (BEGIN
IMMEDIATE), and FOR UPDATE is not rendered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from instance.database import memo
from models import Account, AccountKind, LimitChange, Member, SystemAccount, table_of, utcnow

from ..errors import DomainError, NotFound
from .rules import CurrencyRules, fmt


def member_key(username: str) -> str:
    return f"member:{username}"


def system_key(name: SystemAccount) -> str:
    return f"system:{name.value}"


def peer_key(actor_uri: str) -> str:
    return f"peer:{actor_uri}"


def project_key(slug: str) -> str:
    return f"project:{slug}"


def _insert_missing(session: Session, rows: list[dict[str, object]]) -> None:
    """Create accounts that do not exist yet; a concurrent creator of the same key wins quietly."""
    if not rows:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    values = [
        {
            "debits_posted": 0,
            "credits_posted": 0,
            "debits_pending": 0,
            "credits_pending": 0,
            "created_at": now,
            "member_id": None,
            "peer_uri": None,
            "min_balance": None,
            "max_balance": None,
            **row,
        }
        for row in rows
    ]
    # no conflict target: a concurrent creator may trip the member_id index before the key one
    session.execute(insert(Account).values(values).on_conflict_do_nothing())


class Named(Protocol):
    """A member as far as accounts care: a `Member`, or a row with these two columns."""

    @property
    def id(self) -> int: ...

    @property
    def username(self) -> str: ...


def _default_member_row(member: Named, currency: CurrencyRules) -> dict[str, object]:
    return {
        "key": member_key(member.username),
        "kind": AccountKind.member,
        "member_id": member.id,
        "min_balance": -currency.credit_limit,
        "max_balance": currency.balance_limit,
    }


#: account ids by member and by key: Core statements built once, run on the session's
#: connection (accounts are only ever inserted with Core, so no ORM flush is needed first);
#: every payment and every settlement step reads them
_IDS_OF_MEMBERS = select(Account.member_id, Account.id).where(
    Account.member_id.in_(bindparam("members", expanding=True))
)
_ID_BY_KEY = select(Account.id).where(Account.key == bindparam("key"))


def member_account_ids(
    session: Session, currency: CurrencyRules, members: Iterable[Named]
) -> dict[int, int]:
    """Member id -> account id for these members, creating the accounts that are missing."""
    wanted = {m.id: m for m in members}
    connection = session.connection()

    def read() -> dict[int, int]:
        rows = connection.execute(_IDS_OF_MEMBERS, {"members": list(wanted)})
        return {m: a for m, a in rows if m is not None}

    found = read()
    missing = [
        wanted[m] for m in sorted(wanted) if m not in found
    ]  # sorted: concurrent creators never deadlock
    if missing:
        _insert_missing(session, [_default_member_row(m, currency) for m in missing])
        found = read()
    return found


def _id_by_key(session: Session, key: str) -> int | None:
    found: int | None = session.connection().execute(_ID_BY_KEY, {"key": key}).scalar()
    return found


def member_account_id(session: Session, currency: CurrencyRules, member: Member) -> int:
    """The id of the member's account (created if missing), read once per transaction: a
    hold needs only the id, and `transfer` locks the row itself."""
    account_id: int = memo(
        session,
        ("member account", member.id),
        lambda: member_account_ids(session, currency, [member])[member.id],
    )
    return account_id


def member_account(session: Session, currency: CurrencyRules, member: Member) -> Account:
    """The member's account (created if missing), as an object."""
    account = session.get(Account, member_account_id(session, currency, member))
    assert account is not None
    return account


def member_view(session: Session, currency: CurrencyRules, member: Member) -> Account:
    """The member's account for display; an unsaved empty one if it was never needed yet."""
    account = session.scalar(select(Account).where(Account.member_id == member.id))
    if account is not None:
        return account
    row = _default_member_row(member, currency)
    return Account(
        debits_posted=0,
        credits_posted=0,
        debits_pending=0,
        credits_pending=0,
        created_at=member.created_at,
        **row,
    )


def system_account_id(session: Session, name: SystemAccount) -> int:
    key = system_key(name)
    account_id = _id_by_key(session, key)
    if account_id is None:
        _insert_missing(session, [{"key": key, "kind": AccountKind.system}])
        account_id = _id_by_key(session, key)
    assert account_id is not None
    return account_id


def peer_account_id(
    session: Session, actor_uri: str, *, min_balance: int | None, max_balance: int | None
) -> int:
    """The partner city's account, created with its export floor and import ceiling if new.

    Only settlement code may move money on it (`transfer(..., settlement=True)`).
    """
    key = peer_key(actor_uri)
    account_id = _id_by_key(session, key)
    if account_id is None:
        _insert_missing(
            session,
            [
                {
                    "key": key,
                    "kind": AccountKind.peer,
                    "peer_uri": actor_uri,
                    "min_balance": min_balance,
                    "max_balance": max_balance,
                }
            ],
        )
        account_id = _id_by_key(session, key)
    assert account_id is not None
    return account_id


def project_account_id(session: Session, slug: str) -> int:
    """A project's pot, created the first time: it only receives pledges, so its floor is 0.

    The floor keeps the pot from ever paying more than it holds; a funded project's funds
    leave it only as payouts (exchange/project_payouts.py).
    """
    key = project_key(slug)
    account_id = session.scalar(select(Account.id).where(Account.key == key))
    if account_id is None:
        _insert_missing(session, [{"key": key, "kind": AccountKind.project, "min_balance": 0}])
        account_id = session.scalar(select(Account.id).where(Account.key == key))
    assert account_id is not None
    return account_id


def resolve_account(
    session: Session, currency: CurrencyRules, name: str, *, create: bool = True
) -> Account:
    """An account named as people write it: `alice`, `@alice`, `member:alice`, `system:fees`,
    `peer:URI`.

    With `create`, a member's or system account that does not exist yet is created; without,
    a member's is shown empty (`member_view`) and nothing is written.
    """
    name = name.strip()
    account: Account | None
    if name.startswith("system:"):
        try:
            which = SystemAccount(name.removeprefix("system:"))
        except ValueError:
            raise NotFound(f"account {name!r}") from None
        if create:
            account = session.get(Account, system_account_id(session, which))
        else:
            account = session.scalar(select(Account).where(Account.key == system_key(which)))
    elif name.startswith(("peer:", "project:")):
        account = session.scalar(select(Account).where(Account.key == name))
    else:
        username = name.removeprefix("member:").removeprefix("@").lower()
        member = session.scalar(select(Member).where(Member.username == username))
        if member is None:
            raise NotFound(f"member {username!r}")
        account = (
            member_account(session, currency, member)
            if create
            else member_view(session, currency, member)
        )
    if account is None:
        raise NotFound(f"account {name!r}")
    return account


@dataclass
class Locked:
    """An account row locked by this transaction: read once, changed here, written by `save`.

    Plain Core rows rather than ORM objects: a payment locks, checks and updates its accounts
    in three statements, without the unit of work's bookkeeping (bench/ledger.py).
    """

    id: int
    key: str
    kind: AccountKind
    debits_posted: int
    credits_posted: int
    debits_pending: int
    credits_pending: int
    min_balance: int | None
    max_balance: int | None

    @property
    def balance(self) -> int:
        return self.credits_posted - self.debits_posted


#: Core columns, not ORM attributes: a plain row costs less to fetch than an ORM-enabled one
LOCKED_COLUMNS = [table_of(Account).c[name] for name in Locked.__dataclass_fields__]
_SAVED = (
    "debits_posted",
    "credits_posted",
    "debits_pending",
    "credits_pending",
    "min_balance",
    "max_balance",
)


# Built once: constructing a statement costs more than running it on this hot path.
_ACCOUNTS = table_of(Account)
_LOCK = (
    select(*LOCKED_COLUMNS)
    .where(_ACCOUNTS.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(_ACCOUNTS.c.id)
    .with_for_update()
)
_SAVE = (
    update(_ACCOUNTS)
    .where(_ACCOUNTS.c.id == bindparam("_id"))
    .values({name: bindparam(name) for name in _SAVED})
)


def lock(session: Session, account_ids: Iterable[int]) -> dict[int, Locked]:
    """Lock these accounts for the rest of the transaction, in ascending id order (no deadlocks)."""
    ids = sorted(set(account_ids))
    accounts = {row.id: Locked(*row) for row in session.connection().execute(_LOCK, {"ids": ids})}
    if len(accounts) != len(ids):
        raise NotFound(f"account {sorted(set(ids) - set(accounts))}")
    return accounts


def save(session: Session, accounts: Iterable[Locked]) -> None:
    """Write locked accounts back, in one statement."""
    rows = [{"_id": a.id, **{name: getattr(a, name) for name in _SAVED}} for a in accounts]
    if rows:
        session.connection().execute(_SAVE, rows)
        forget(session, [row["_id"] for row in rows])


def forget(session: Session, account_ids: Iterable[int]) -> None:
    """Expire ORM copies of accounts written by Core statements, so no caller reads stale totals."""
    for account_id in account_ids:
        stale = session.identity_map.get(session.identity_key(Account, account_id))
        if stale is not None:
            session.expire(stale)


def floor_margin(account: Account | Locked) -> int | None:
    """How far the account stands above its floor, counting pending debits; None without a floor."""
    if account.min_balance is None:
        return None
    return (
        account.credits_posted
        - account.debits_posted
        - account.debits_pending
        - account.min_balance
    )


def ceiling_margin(account: Account | Locked) -> int | None:
    """How far the account stands below its ceiling, counting pending credits; None without one."""
    if account.max_balance is None:
        return None
    return account.max_balance - (
        account.credits_posted + account.credits_pending - account.debits_posted
    )


def set_limits(
    session: Session,
    currency: CurrencyRules,
    account: Account,
    *,
    min_balance: int | None,
    max_balance: int | None,
    reason: str,
    by: Member | None,
) -> LimitChange:
    """Change an account's floor and ceiling, logged with the reason.

    A limit the account already passes is refused: the ledger check promises that no account
    is past its limits, so an admin who wants to stop someone borrowing sets the floor at
    the current balance, not above it.
    """
    if not reason.strip():
        raise DomainError("reason_required", "a limit change needs a reason")
    if min_balance is not None and min_balance > 0:
        raise DomainError(
            "invalid_limit", "the floor must be zero or below (a credit limit is a positive amount)"
        )
    if max_balance is not None and max_balance < 0:
        raise DomainError("invalid_limit", "the maximum balance must be zero or more")
    [locked] = lock(session, [account.id]).values()
    committed_low = locked.credits_posted - locked.debits_posted - locked.debits_pending
    committed_high = locked.credits_posted + locked.credits_pending - locked.debits_posted
    if min_balance is not None and committed_low < min_balance:
        raise DomainError(
            "limit_below_balance",
            f"{locked.key} already stands at {fmt(currency, committed_low)} counting pending "
            f"payments; its credit limit cannot be less than {fmt(currency, -committed_low)}",
            409,
        )
    if max_balance is not None and committed_high > max_balance:
        raise DomainError(
            "limit_below_balance",
            f"{locked.key} already stands at {fmt(currency, committed_high)} counting pending "
            f"payments; its maximum balance cannot be less than that",
            409,
        )
    change = LimitChange(
        account_id=locked.id,
        old_min_balance=locked.min_balance,
        new_min_balance=min_balance,
        old_max_balance=locked.max_balance,
        new_max_balance=max_balance,
        reason=reason.strip()[:2000],
        changed_by_id=by.id if by else None,
    )
    locked.min_balance = min_balance
    locked.max_balance = max_balance
    save(session, [locked])
    session.add(change)
    session.flush()
    return change
