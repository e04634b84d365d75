"""A member's reading positions (models/marker.py), as Mastodon's `/api/v1/markers` keeps
them: the last status read in `home`, the last notification read in `notifications`.

A save is one `UPDATE ... SET version = version + 1 ... RETURNING`: the database raises the
version under the row's lock, so two apps saving at once both count (a read, then a write
of the read version plus one, would let one save overwrite the other's increment). The first
save of a timeline inserts the row at version 0 (Mastodon's first `lock_version`); two first
saves at once meet on the unique key, and the loser updates the winner's row.

The notifications marker also bounds the unread count (`unread_notifications`), as
Mastodon's `/api/v1/notifications/unread_count` counts the notifications newer than it.

Functions over a Session; they never commit and never render.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Marker, Member, Notification, NotificationKind, table_of, utcnow

from .errors import DomainError
from .notifications import shown

#: the timelines Mastodon keeps a marker for (`Marker::TIMELINES`)
TIMELINES = ("home", "notifications")
#: a status or notification id: Mastodon's column is a bigint
MAX_ID_DIGITS = 18

_TABLE = table_of(Marker)
#: one save of a known marker: the version raised by the statement itself, under the row lock
_SAVE = (
    update(_TABLE)
    .where(_TABLE.c.member_id == bindparam("m"), _TABLE.c.timeline == bindparam("t"))
    .values(
        last_read_id=bindparam("last_read_id"),
        version=_TABLE.c.version + 1,
        updated_at=bindparam("updated_at"),
    )
    .returning(_TABLE.c.version)
)
_CREATE = insert(_TABLE)
_READ = select(Marker).where(
    Marker.member_id == bindparam("m"), Marker.timeline.in_(bindparam("ts", expanding=True))
)


@dataclass(frozen=True)
class Position:
    """One saved marker, as apps are told it."""

    timeline: str
    last_read_id: int
    version: int
    updated_at: datetime


def _invalid(message: str) -> DomainError:
    """Mastodon's refusal of an invalid marker (a 422 `Validation failed: ...`)."""
    return DomainError("invalid_marker", f"Validation failed: {message}", 422)


def parse_id(value: str | None) -> int:
    """A `last_read_id` as sent: digits (Mastodon's ids are numbers), else refused."""
    if value is None or not value.strip():
        raise _invalid("Last read can't be blank")
    value = value.strip()
    if not value.isascii() or not value.isdigit() or len(value) > MAX_ID_DIGITS:
        raise _invalid("Last read is not a status or notification id")
    return int(value)


def read(session: Session, member: Member, timelines: list[str] | None = None) -> list[Position]:
    """The member's markers of `timelines` (names Mastodon does not know are left out), or
    of every timeline when none is named."""
    wanted = [t for t in timelines if t in TIMELINES] if timelines else list(TIMELINES)
    if not wanted:
        return []
    rows = session.scalars(_READ, {"m": member.id, "ts": wanted})
    return sorted(
        (Position(r.timeline, r.last_read_id, r.version, r.updated_at) for r in rows),
        key=lambda p: TIMELINES.index(p.timeline),
    )


def _save_one(session: Session, member: Member, timeline: str, last_read_id: int) -> Position:
    moment = utcnow()
    values = {"m": member.id, "t": timeline, "last_read_id": last_read_id, "updated_at": moment}
    version = session.execute(_SAVE, values).scalar()
    if version is None:
        try:
            with session.begin_nested():
                session.execute(
                    _CREATE,
                    {
                        "member_id": member.id,
                        "timeline": timeline,
                        "last_read_id": last_read_id,
                        "version": 0,
                        "updated_at": moment,
                    },
                )
            version = 0
        except IntegrityError:
            # another app's first save came first: this save is the next version of it
            version = session.execute(_SAVE, values).scalar_one()
    return Position(timeline, last_read_id, int(version), moment)


def save(session: Session, member: Member, positions: dict[str, str | None]) -> list[Position]:
    """Save the markers sent (timeline -> last_read_id); other names are ignored, as
    Mastodon ignores them. All are checked before any is saved: one invalid id saves none."""
    asked = {t: parse_id(v) for t, v in positions.items() if t in TIMELINES}
    return [_save_one(session, member, t, asked[t]) for t in TIMELINES if t in asked]


def unread_notifications(
    session: Session, member: Member, kinds: list[NotificationKind], limit: int
) -> int:
    """How many of the member's shown notifications of `kinds` are newer than their
    notifications marker (all, without one), counted up to `limit` as Mastodon counts."""
    if not kinds:
        return 0
    marker = session.scalar(
        select(Marker.last_read_id).where(
            Marker.member_id == member.id, Marker.timeline == "notifications"
        )
    )
    newer = (
        select(Notification.id)
        .where(
            Notification.member_id == member.id,
            Notification.kind.in_(kinds),
            shown(member.id, utcnow(), domains=member.blocked_domains > 0),
        )
        .limit(limit)
    )
    if marker is not None:
        newer = newer.where(Notification.id > marker)
    return session.scalar(select(func.count()).select_from(newer.subquery())) or 0
