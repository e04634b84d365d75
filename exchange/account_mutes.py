"""Mutes (models/account_mute.py): a member muting another member or a remote account, with
or without its notifications, for a while or for good.

A mute past its `expires_at` no longer applies: every read compares it with the time of the
read (`active`), so nothing has to remove it; muting again replaces it, unmuting removes it.
Muting twice updates the mute (Mastodon changes `notifications` and the duration).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from models import AccountMute, Member, RemoteActor, utcnow

from .account_blocks import Target
from .errors import DomainError
from .statuses import Paging, run_page


def active(now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """A mute still applying at `now` (a value, or a bound parameter of a statement built
    once)."""
    return or_(AccountMute.expires_at.is_(None), AccountMute.expires_at > now)


def _of(target: Target) -> ColumnElement[bool]:
    if isinstance(target, Member):
        return AccountMute.target_member_id == target.id
    return AccountMute.remote_actor_id == target.id


def find(
    session: Session, member: Member, target: Target, now: datetime | None = None
) -> AccountMute | None:
    """The member's mute of `target` still applying."""
    return session.scalar(
        select(AccountMute).where(
            AccountMute.member_id == member.id, _of(target), active(now or utcnow())
        )
    )


def mute(
    session: Session,
    member: Member,
    target: Target,
    *,
    notifications: bool = True,
    duration: int = 0,
    now: datetime | None = None,
) -> AccountMute:
    """The member mutes `target`, its notifications too unless `notifications` is false, for
    `duration` seconds (0: until unmuted)."""
    if isinstance(target, Member) and target.id == member.id:
        raise DomainError("self_mute", "you cannot mute yourself", 422)
    if duration < 0:
        raise DomainError("invalid_duration", "duration must be a number of seconds", 422)
    now = now or utcnow()
    row = session.scalar(select(AccountMute).where(AccountMute.member_id == member.id, _of(target)))
    if row is None:
        row = AccountMute(
            member_id=member.id,
            target_member_id=target.id if isinstance(target, Member) else None,
            remote_actor_id=target.id if isinstance(target, RemoteActor) else None,
        )
        session.add(row)
    row.notifications = notifications
    row.expires_at = now + timedelta(seconds=duration) if duration else None
    session.flush()
    return row


def unmute(session: Session, member: Member, target: Target) -> None:
    row = session.scalar(select(AccountMute).where(AccountMute.member_id == member.id, _of(target)))
    if row is not None:
        session.delete(row)
        session.flush()


def page(
    session: Session, member: Member, paging: Paging, now: datetime | None = None
) -> list[int]:
    """The ids of the member's mutes still applying, newest first (`/mutes` pages by them)."""
    query = select(AccountMute.id).where(
        AccountMute.member_id == member.id, active(now or utcnow())
    )
    return run_page(session, query, AccountMute.id, paging)


def rows(session: Session, ids: list[int]) -> dict[int, tuple[AccountMute, Target]]:
    """Each of these mutes with the account it names, by mute id."""
    if not ids:
        return {}
    found: dict[int, tuple[AccountMute, Target]] = {}
    for mute_row, member in session.execute(
        select(AccountMute, Member)
        .join(Member, Member.id == AccountMute.target_member_id)
        .where(AccountMute.id.in_(ids))
    ):
        found[mute_row.id] = (mute_row, member)
    for mute_row, actor in session.execute(
        select(AccountMute, RemoteActor)
        .join(RemoteActor, RemoteActor.id == AccountMute.remote_actor_id)
        .where(AccountMute.id.in_(ids))
    ):
        found[mute_row.id] = (mute_row, actor)
    return found
