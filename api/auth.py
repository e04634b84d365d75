"""Who is calling the API: personal tokens sent as `Authorization: Bearer <token>`.

A token is 32 random bytes shown once, when `comptoir users token NAME` makes it; only its
sha256 is stored. `member_for_token` is the one lookup every authenticated endpoint goes
through: the OAuth tokens of the Mastodon API will be another branch of that function, so
the rest of the API does not change.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request

from exchange import members
from exchange.errors import DomainError, Forbidden
from instance.city import city_of
from models import ApiToken, Member, MemberStatus, Role, utcnow

from .throttle import vouch_for_token

#: personal tokens start with this, so that a leaked one is recognisable (secret scanners)
PREFIX = "cpt_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, username: str, label: str = "") -> str:
    """Make a new personal token for the member and return it; it cannot be shown again."""
    member = members.get_member(session, username)
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(member_id=member.id, token_hash=token_hash(token), label=label[:100]))
    session.flush()
    return token


def tokens_of(session: Session, username: str) -> list[ApiToken]:
    """The member's tokens, revoked ones included, oldest first."""
    member = members.get_member(session, username)
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.member_id == member.id).order_by(ApiToken.id)
        )
    )


def revoke_tokens(session: Session, username: str, token_id: int | None = None) -> int:
    """Revoke one of the member's tokens (by id) or, without an id, all of them: how many
    were live.
    """
    live = [
        t
        for t in tokens_of(session, username)
        if t.revoked_at is None and (token_id is None or t.id == token_id)
    ]
    if token_id is not None and not live:
        raise DomainError("not_found", f"@{username.lower()} has no live token {token_id}", 404)
    for token in live:
        token.revoked_at = utcnow()
    return len(live)


def member_for_token(session: Session, token: str) -> Member:
    """The member a bearer token speaks for, if they may use the API now; DomainError otherwise."""
    member = session.scalar(
        select(Member)
        .join(ApiToken, ApiToken.member_id == Member.id)
        .where(ApiToken.token_hash == token_hash(token), ApiToken.revoked_at.is_(None))
    )
    if member is None:
        raise DomainError("invalid_token", "the access token is unknown or revoked", 401)
    if member.status is MemberStatus.suspended:
        raise DomainError("suspended", "this account is suspended", 403)
    if member.status is MemberStatus.pending:
        raise DomainError("pending", "this account is waiting for a moderator's approval", 403)
    return member


async def authenticated(request: Request) -> Member:
    """The calling member (401 without a usable token, 403 when suspended or pending)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise DomainError(
            "unauthorized", "send a personal token as 'Authorization: Bearer <token>'", 401
        )
    token = token.strip()
    member = await city_of(request).db.read(lambda s: member_for_token(s, token))
    vouch_for_token(request.scope)  # from now on this token has its own rate-limit budget
    return member


async def admin(request: Request) -> Member:
    member = await authenticated(request)
    if member.role is not Role.admin:
        raise Forbidden("this needs an admin's token")
    return member
