"""The accounts a member does not want to see: those they block, those they mute (while
the mute applies), and the remote accounts of the domains they block
(exchange/member_domain_blocks.py). Their statuses leave the member's timelines (home,
lists, public, tag: exchange/statuses.py), and their notifications are not shown
(api/mastodon/notifications.py), those of a mute made with `notifications=false` excepted.

Given as statements over the member and the time of the read, so that a timeline built once
(`exchange.statuses._home_statement`) takes them as bound parameters. Each is uncorrelated:
the database reads the member's few blocks and mutes once per query (SQLite materialises
the `NOT IN` list, PostgreSQL hashes it), then tests each status's author against it.

`domains`: the member blocks domains (`members.blocked_domains`, read with the member), so
the remote accounts of those domains join the list; for everyone else the statement is the
one it was before domain blocks existed (docs/BENCHMARKS.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from models import AccountBlock, AccountMute, MemberDomainBlock, RemoteActor

Value = int | BindParameter[int]
Moment = datetime | BindParameter[datetime]


def _mutes(member_id: Value, now: Moment, notifications: bool) -> ColumnElement[bool]:
    applying = and_(
        AccountMute.member_id == member_id,
        or_(AccountMute.expires_at.is_(None), AccountMute.expires_at > now),
    )
    return and_(applying, AccountMute.notifications.is_(True)) if notifications else applying


def hidden_actors(
    member_id: Value, now: Moment, *, notifications: bool = False, domains: bool = False
) -> CompoundSelect:
    """The remote accounts the member blocks or mutes (for `notifications`: only the mutes
    that hide notifications too) and, with `domains`, those of the domains they block (a
    domain block hides notifications too, as on Mastodon)."""
    branches = [
        select(AccountBlock.remote_actor_id).where(
            AccountBlock.member_id == member_id,
            AccountBlock.incoming.is_(False),
            AccountBlock.remote_actor_id.is_not(None),
        ),
        select(AccountMute.remote_actor_id).where(
            _mutes(member_id, now, notifications), AccountMute.remote_actor_id.is_not(None)
        ),
    ]
    if domains:
        branches.append(_domain_actors(member_id))
    return union_all(*branches)


def _domain_actors(member_id: Value) -> Select[Any]:
    """The remote accounts whose domain the member blocks: found from the member's few
    blocked domains through `remote_actors (domain)`."""
    return (
        select(RemoteActor.id)
        .join(MemberDomainBlock, MemberDomainBlock.domain == RemoteActor.domain)
        .where(MemberDomainBlock.member_id == member_id)
    )


def hidden_members(member_id: Value, now: Moment, *, notifications: bool = False) -> CompoundSelect:
    """The members of this city the member blocks or mutes."""
    return union_all(
        select(AccountBlock.target_member_id).where(
            AccountBlock.member_id == member_id, AccountBlock.target_member_id.is_not(None)
        ),
        select(AccountMute.target_member_id).where(
            _mutes(member_id, now, notifications), AccountMute.target_member_id.is_not(None)
        ),
    )


def shown_author(
    member_column: Any,
    actor_column: Any,
    member_id: Value,
    now: Moment,
    *,
    notifications: bool = False,
    domains: bool = False,
) -> ColumnElement[bool]:
    """The author named by these columns (a member, a remote actor, or neither) is not one
    the member blocks or mutes, nor (`domains`) a remote account of a domain they block."""
    hidden = hidden_actors(member_id, now, notifications=notifications, domains=domains)
    return and_(
        or_(actor_column.is_(None), actor_column.not_in(hidden)),
        or_(
            member_column.is_(None),
            member_column.not_in(hidden_members(member_id, now, notifications=notifications)),
        ),
    )


def blocks_actor(session: Session, member_id: int, actor_id: int) -> bool:
    """The member blocks this remote account, or its domain (its mentions and interactions
    tell nothing, as Mastodon drops a notification from a blocked domain)."""
    blocked = select(AccountBlock.id).where(
        AccountBlock.member_id == member_id,
        AccountBlock.remote_actor_id == actor_id,
        AccountBlock.incoming.is_(False),
    )
    by_domain = _domain_actors(member_id).where(RemoteActor.id == actor_id)
    return session.scalar(union_all(blocked, by_domain).limit(1)) is not None


def blocks_member(session: Session, member_id: int, other_id: int) -> bool:
    """The member blocks this other member."""
    return (
        session.scalar(
            select(AccountBlock.id)
            .where(AccountBlock.member_id == member_id, AccountBlock.target_member_id == other_id)
            .limit(1)
        )
        is not None
    )
