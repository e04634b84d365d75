"""A member's pinned statuses (models/status_pin.py): Mastodon's rules for what may be
pinned, the limit of five, and the lists read from them.

Mastodon refuses a boost, someone else's status and a direct one, and pins at most five
(`StatusPinValidator`, `Validation failed: ...` 422s, whose messages apps show as they
are). Comptoir also refuses followers-only notes (Mastodon 4.3 pins them): the pinned
notes are served to anyone in the actor's `featured` collection, so a pin must be
something anyone may read; the message is Mastodon's own from before it allowed them.
A listing counts as public while it is open. What federates is services/pins.py's.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import Member, StatusPin

from .errors import DomainError
from .statuses import StatusRow, Viewer, rows, shown_originals, visible_ids

#: as Mastodon's `StatusPinValidator` (`max_pinned_statuses` of the instance document)
MAX_PINS = 5
REBLOG = "Validation failed: A boost cannot be pinned"
OWNERSHIP = "Validation failed: Someone else's post cannot be pinned"
DIRECT = "Validation failed: Posts that are only visible to mentioned users cannot be pinned"
PRIVATE = "Validation failed: Non-public toot cannot be pinned"
LIMIT = "Validation failed: You have already pinned the maximum number of posts"
DUPLICATE = "Duplicate record"


def _refuse(message: str) -> DomainError:
    return DomainError("unprocessable", message, 422)


def check_pinnable(session: Session, member: Member, row: StatusRow) -> None:
    """Refused (422, Mastodon's message) unless the member may pin this status, which they
    can see (the caller found it so)."""
    if row.status.reblog_of_id is not None:
        raise _refuse(REBLOG)
    if row.item.member_id != member.id:
        raise _refuse(OWNERSHIP)
    if row.note is not None and row.note.visibility == "direct":
        raise _refuse(DIRECT)
    discussion = row.thread is not None or row.post is not None
    if not discussion and row.status.id not in shown_originals(session, [row.status.id]):
        raise _refuse(PRIVATE)  # a followers-only note, a listing no longer open


def pin(session: Session, member: Member, row: StatusRow) -> StatusPin:
    """Pin a status of the member's; a second pin of it is Mastodon's duplicate (422)."""
    check_pinnable(session, member, row)
    if is_pinned(session, member, row.status.id):
        raise _refuse(DUPLICATE)
    if len(pinned(session, Viewer(member, None), member.id)) >= MAX_PINS:
        raise _refuse(LIMIT)
    found = StatusPin(member_id=member.id, status_id=row.status.id)
    session.add(found)
    session.flush()
    return found


def unpin(session: Session, member: Member, status_id: int) -> bool:
    """Take the pin back; whether there was one (none: no error, as on Mastodon)."""
    gone = session.execute(
        delete(StatusPin).where(StatusPin.member_id == member.id, StatusPin.status_id == status_id)
    )
    return bool(gone.rowcount)  # type: ignore[attr-defined]


def is_pinned(session: Session, member: Member, status_id: int) -> bool:
    found = session.scalar(
        select(StatusPin.id).where(
            StatusPin.member_id == member.id, StatusPin.status_id == status_id
        )
    )
    return found is not None


def pinned(session: Session, viewer: Viewer, member_id: int) -> list[int]:
    """The status ids a member pinned, newest pin first, that the viewer may see (a pin
    whose status was deleted or hidden is no longer shown, nor counted in the limit)."""
    ids = list(
        session.scalars(
            select(StatusPin.status_id)
            .where(StatusPin.member_id == member_id)
            .order_by(StatusPin.id.desc())
        )
    )
    shown = visible_ids(session, viewer, ids)
    return [i for i in ids if i in shown]


def featured(session: Session, member_id: int) -> list[StatusRow]:
    """The member's pins anyone may see, newest pin first (the actor's `featured`)."""
    return rows(session, pinned(session, Viewer(None, None), member_id))
