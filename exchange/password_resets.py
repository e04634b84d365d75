"""Forgotten passwords: a reset asked for by username or email, a token made when its email is
sent, a new password chosen with it once.

Asking never says whether the account exists (the page answers the same either way), and at
most MAX_OPEN resets of one member are waiting at a time, so the form cannot flood a
resident's mailbox. A reset stays good for LIFETIME; choosing a new password with it (or any
other password change) ends every other reset of the member and every web session.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from models import Member, MemberStatus, PasswordReset, ResetState, utcnow

from . import web_sessions
from .errors import DomainError
from .state_graph import StateGraph

#: how long an emailed link works
LIFETIME = timedelta(hours=1)
#: resets of one member waiting at once; more asks are answered the same but send nothing
MAX_OPEN = 3

GRAPH = StateGraph(
    "password reset",
    ResetState,
    {
        ResetState.issued: {ResetState.used, ResetState.void},
        ResetState.used: set(),
        ResetState.void: set(),
    },
)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ask(
    session: Session, typed: str, *, language: str = "", now: datetime | None = None
) -> PasswordReset | None:
    """A new reset for the active member with this username or email, or None (no such
    member, no email on file, or MAX_OPEN resets already waiting): the caller says the same."""
    now = now or utcnow()
    typed = typed.strip()
    if not typed or len(typed) > 320:
        return None
    found = list(
        session.scalars(
            select(Member)
            .where(or_(Member.username == typed.lower(), func.lower(Member.email) == typed.lower()))
            .limit(2)
        )
    )
    if len(found) != 1 or found[0].status is not MemberStatus.active or not found[0].email:
        return None
    member = found[0]
    _void_expired(session, member.id, now)
    waiting = session.scalar(
        select(func.count())
        .select_from(PasswordReset)
        .where(PasswordReset.member_id == member.id, PasswordReset.state == ResetState.issued)
    )
    if (waiting or 0) >= MAX_OPEN:
        return None
    reset = PasswordReset(
        member_id=member.id,
        email=member.email,
        language=language[:16],
        created_at=now,
        expires_at=now + LIFETIME,
    )
    session.add(reset)
    session.flush()
    return reset


@dataclass(frozen=True)
class Link:
    """What the email carries: where to send it, the token, and for whom."""

    email: str
    token: str
    username: str
    language: str
    expires_at: datetime


def make_token(session: Session, reset_id: int, *, now: datetime | None = None) -> Link | None:
    """A fresh token for a waiting reset (its hash replaces any earlier one), or None when the
    reset is no longer waiting: nothing is to be sent."""
    now = now or utcnow()
    reset = session.get(PasswordReset, reset_id)
    if reset is None or reset.state is not ResetState.issued:
        return None
    if reset.expires_at <= now:
        GRAPH.move(reset, ResetState.void)
        return None
    member = session.get(Member, reset.member_id)
    if member is None or member.status is not MemberStatus.active:
        GRAPH.move(reset, ResetState.void)
        return None
    token = secrets.token_urlsafe(32)
    reset.token_hash = token_hash(token)
    return Link(reset.email, token, member.username, reset.language, reset.expires_at)


def find(session: Session, token: str, *, now: datetime | None = None) -> PasswordReset:
    """The waiting reset this token opens; DomainError `invalid_reset` (404) otherwise."""
    now = now or utcnow()
    reset = (
        session.scalar(select(PasswordReset).where(PasswordReset.token_hash == token_hash(token)))
        if token and len(token) <= 100
        else None
    )
    if reset is None or reset.state is not ResetState.issued or reset.expires_at <= now:
        raise DomainError(
            "invalid_reset",
            "this link is not valid any more: it was used, it is more than an hour old, or a "
            "newer one was sent; ask for a new one",
            404,
        )
    return reset


def complete(
    session: Session, token: str, password_hash: str, *, now: datetime | None = None
) -> Member:
    """Set the new password (hashed by the caller, outside the transaction) with a waiting
    reset; ends the member's other resets and every web session."""
    now = now or utcnow()
    reset = find(session, token, now=now)
    member = session.get(Member, reset.member_id)
    if member is None or member.status is not MemberStatus.active:
        raise DomainError("invalid_reset", "this account cannot log in any more", 404)
    GRAPH.move(reset, ResetState.used)
    reset.used_at = now
    member.password_hash = password_hash
    void_all(session, member.id)
    web_sessions.end_all(session, member.id)
    return member


def void_all(session: Session, member_id: int) -> None:
    """End every waiting reset of a member (their password just changed)."""
    session.execute(
        update(PasswordReset)
        .where(PasswordReset.member_id == member_id, PasswordReset.state == ResetState.issued)
        .values(state=ResetState.void)
    )


def _void_expired(session: Session, member_id: int, now: datetime) -> None:
    session.execute(
        update(PasswordReset)
        .where(
            PasswordReset.member_id == member_id,
            PasswordReset.state == ResetState.issued,
            PasswordReset.expires_at <= now,
        )
        .values(state=ResetState.void)
    )
