"""The moderation log: every decision of a moderator, an admin or the command line, with its reason.

Written in the same transaction as the decision, so the log never claims what did not happen
and nothing happens unlogged. Admins read it on /admin/log, through the API and the CLI;
moderators read the moderation decisions there (not the admins' ADMIN_ONLY ones).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Member, ModerationEntry


@dataclass(frozen=True)
class LogLine:
    id: int
    at: datetime
    #: the moderator's username; "" for the command line or the system
    by: str
    action: str
    target_type: str
    target: str
    reason: str


def record(
    session: Session,
    by: Member | None,
    action: str,
    target_type: str,
    target: str,
    reason: str = "",
) -> ModerationEntry:
    entry = ModerationEntry(
        moderator_id=by.id if by is not None else None,
        action=action[:40],
        target_type=target_type[:40],
        target=target[:500],
        reason=reason,
    )
    session.add(entry)
    return entry


#: the decisions only admins read: the federation policy, the ledger, the exchange rules
ADMIN_ONLY = ("domain.", "domains.", "ledger.", "partner.", "rules.", "settlement.")


def lines(
    session: Session, *, limit: int = 100, before: int | None = None, admin: bool = True
) -> list[LogLine]:
    """Newest first; `before` is the id of the last line of the previous page. A moderator
    (`admin` False) reads the moderation decisions, not the admins' (ADMIN_ONLY)."""
    query = (
        select(ModerationEntry, Member.username)
        .outerjoin(Member, Member.id == ModerationEntry.moderator_id)
        .order_by(ModerationEntry.id.desc())
        .limit(limit)
    )
    if not admin:
        query = query.where(
            *(ModerationEntry.action.not_like(f"{prefix}%") for prefix in ADMIN_ONLY)
        )
    if before is not None:
        query = query.where(ModerationEntry.id < before)
    return [
        LogLine(e.id, e.created_at, username or "", e.action, e.target_type, e.target, e.reason)
        for e, username in session.execute(query)
    ]
