"""Notifications: one row per thing a member should hear about, read at their own pace.

Written in the transaction that makes the news (an offer stored, a listing approved), so a
member is never told of something that was rolled back, nor misses something committed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session

from instance import notification_texts
from models import Member, Note, Notification, NotificationKind, table_of, utcnow

from . import push_subscriptions
from .errors import NotFound
from .hidden_accounts import blocks_actor, hidden_actors, hidden_members

#: the Mastodon notification type each kind is shown as (the client API and Web Push agree):
#: Mastodon has no type for negotiations and listings, so they are mentions
MASTODON_TYPES: dict[NotificationKind, str] = {
    **{kind: "mention" for kind in NotificationKind},
    NotificationKind.follow: "follow",
    NotificationKind.follow_request: "follow_request",
    NotificationKind.favourite: "favourite",
    NotificationKind.reblog: "reblog",
}


#: a notification stored and its id returned: a Core statement built once (every settlement
#: tells a member on each side; the ORM object and its flush cost more than the row)
_INSERT = insert(table_of(Notification)).returning(table_of(Notification).c.id)


def notify(
    session: Session,
    member_id: int,
    kind: NotificationKind,
    text: str = "",
    *,
    code: str = "",
    params: dict[str, Any] | None = None,
    listing_id: int | None = None,
    negotiation_id: int | None = None,
    remote_actor_id: int | None = None,
    note_id: int | None = None,
) -> int | None:
    """Tell a member: with a `code` and its `params` (instance.notification_texts), said in
    the reader's language on pages, and stored in English as `text` too; or a plain `text`.
    Nothing is told (None) of a remote account the member blocks: its mentions, messages,
    favourites and reblogs reach them neither in the list nor by push. Returns the new
    notification's id."""
    if remote_actor_id is not None and blocks_actor(session, member_id, remote_actor_id):
        return None
    if code:
        text = notification_texts.english(code, params or {})
    notification_id: int = session.execute(
        _INSERT,
        {
            "member_id": member_id,
            "kind": kind,
            "code": code,
            "params": params or {},
            "text": text[:1000],
            "listing_id": listing_id,
            "negotiation_id": negotiation_id,
            "remote_actor_id": remote_actor_id,
            "note_id": note_id,
            "created_at": utcnow(),
            "read_at": None,
        },
    ).scalar_one()
    push_subscriptions.queue_pushes(session, member_id, notification_id, MASTODON_TYPES[kind])
    return notification_id


def shown(member_id: int, now: datetime, *, domains: bool = False) -> ColumnElement[bool]:
    """The notifications the member is shown: not those from an account they block, or mute
    with its notifications (`notifications=false` mutes leave them shown), nor (`domains`:
    the member blocks domains) from an account of a domain they block, as the remote
    account of the notification or as the author of its note. Compared with `now`, so an
    expired mute hides nothing."""
    actors = hidden_actors(member_id, now, notifications=True, domains=domains)
    members = hidden_members(member_id, now, notifications=True)
    return and_(
        or_(Notification.remote_actor_id.is_(None), Notification.remote_actor_id.not_in(actors)),
        ~exists().where(
            Note.id == Notification.note_id,
            or_(Note.remote_actor_id.in_(actors), Note.member_id.in_(members)),
        ),
    )


def page(
    session: Session,
    member: Member,
    *,
    limit: int = 50,
    before: int | None = None,
    unread_only: bool = False,
) -> list[Notification]:
    """Newest first; `before` is the id of the last row of the previous page."""
    query = select(Notification).where(Notification.member_id == member.id)
    if before is not None:
        query = query.where(Notification.id < before)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


def unread_count(session: Session, member: Member) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.member_id == member.id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_read(
    session: Session, member: Member, *, up_to: int | None = None, now: datetime | None = None
) -> int:
    """Mark the member's notifications read (all, or those with id <= up_to); returns how many."""
    statement = update(Notification).where(
        Notification.member_id == member.id, Notification.read_at.is_(None)
    )
    if up_to is not None:
        statement = statement.where(Notification.id <= up_to)
    result = session.execute(
        statement.values(read_at=now or utcnow()).execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def own(session: Session, member: Member, notification_id: int) -> Notification:
    """One of the member's notifications; NotFound for anybody else's."""
    row = session.get(Notification, notification_id)
    if row is None or row.member_id != member.id:
        raise NotFound("notification")
    return row


def dismiss(session: Session, member: Member, notification_id: int) -> None:
    """Gone for good, as Mastodon's dismiss: the member asked not to see it again."""
    session.delete(own(session, member, notification_id))
    session.flush()


def clear(session: Session, member: Member) -> int:
    """Every notification of the member removed; how many."""
    result = session.execute(delete(Notification).where(Notification.member_id == member.id))
    return int(getattr(result, "rowcount", 0) or 0)
