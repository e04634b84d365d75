"""Web sessions kept as rows: opened at login, found on each request, ended by deleting them.

A signed cookie alone cannot be taken back: a copy made before logout stays good until it
expires. Here the cookie holds a random token and the row decides, so logout, a password
change, a suspension or the member's own "end this session" take effect at once everywhere.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import Member, WebSession, utcnow

#: a session unused this long ends (each use pushes the end forward)
IDLE_LIFETIME = timedelta(days=14)
#: how stale `last_seen_at` may get before a request writes it again (one write, not one per
#: request)
TOUCH_EVERY = timedelta(minutes=5)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(
    session: Session, member: Member, user_agent: str = "", *, now: datetime | None = None
) -> str:
    """Open a session for `member`; returns the token for the cookie (stored only hashed)."""
    now = now or utcnow()
    session.execute(
        delete(WebSession).where(WebSession.member_id == member.id, WebSession.expires_at <= now)
    )
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=token_hash(token),
            member_id=member.id,
            created_at=now,
            last_seen_at=now,
            user_agent=user_agent[:300],
            expires_at=now + IDLE_LIFETIME,
        )
    )
    session.flush()
    return token


def find(
    session: Session, token: str, *, now: datetime | None = None
) -> tuple[WebSession, Member] | None:
    """The live session of this token and its member, or None (unknown, ended or expired)."""
    row = session.execute(
        select(WebSession, Member)
        .join(Member, Member.id == WebSession.member_id)
        .where(
            WebSession.token_hash == token_hash(token), WebSession.expires_at > (now or utcnow())
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


def needs_touch(web_session: WebSession, *, now: datetime | None = None) -> bool:
    return (now or utcnow()) - web_session.last_seen_at >= TOUCH_EVERY


def touch(session: Session, session_id: int, *, now: datetime | None = None) -> None:
    """Record a use and push the idle end forward."""
    now = now or utcnow()
    row = session.get(WebSession, session_id)
    if row is not None:
        row.last_seen_at = now
        row.expires_at = now + IDLE_LIFETIME


def end(session: Session, token: str) -> None:
    """End the session of this token (logout)."""
    session.execute(delete(WebSession).where(WebSession.token_hash == token_hash(token)))


def end_one(session: Session, member_id: int, session_id: int) -> bool:
    """End one of the member's own sessions; False if they have no such session."""
    result = session.execute(
        delete(WebSession).where(WebSession.id == session_id, WebSession.member_id == member_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def end_all(session: Session, member_id: int, *, keep: int | None = None) -> int:
    """End every session of the member (but `keep`, the one asking); returns how many ended."""
    query = delete(WebSession).where(WebSession.member_id == member_id)
    if keep is not None:
        query = query.where(WebSession.id != keep)
    return int(session.execute(query).rowcount or 0)  # type: ignore[attr-defined]


def of_member(session: Session, member_id: int, *, now: datetime | None = None) -> list[WebSession]:
    """The member's live sessions, the most recently used first."""
    return list(
        session.scalars(
            select(WebSession)
            .where(WebSession.member_id == member_id, WebSession.expires_at > (now or utcnow()))
            .order_by(WebSession.last_seen_at.desc(), WebSession.id.desc())
        )
    )
