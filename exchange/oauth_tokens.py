"""Access tokens, refresh tokens and authorization codes: stored hashed, found by hash.

Every bearer credential of the APIs is a row of `api_tokens` (models/api_token.py): the
CLI's personal tokens and the OAuth apps' tokens alike, so `member_for_token` is the one
lookup. A token is live until revoked; access tokens do not expire, as on Mastodon (apps
never refresh them); a refresh token, when used, revokes its row and the new row carries a
new one (rotation). A code is traded once: `claim_code` marks it used in the trading
transaction, and a second trade, even a concurrent one, finds it used.

Token strings come from Authlib's generator (services/oauth), or from `issue_personal`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from authlib.common.security import generate_token
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from models import ApiToken, Member, MemberStatus, OAuthApplication, OAuthCode, utcnow

from . import members, oauth_apps, oauth_scopes, push_subscriptions
from .errors import DomainError

#: personal tokens start with this, so that a leaked one is recognisable (secret scanners)
PREFIX = "cpt_"
#: how long an authorization code may wait for its trade (RFC 6749 recommends at most 10 min)
CODE_LIFETIME = timedelta(minutes=5)
#: `last_used_at` is written at most this often per token
TOUCH_EVERY = timedelta(minutes=5)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- tokens -----------------------------------------------------------------------------


def store(
    session: Session,
    app: OAuthApplication,
    member_id: int | None,
    access_token: str,
    scopes: str,
    refresh_token: str | None = None,
    code_id: int | None = None,
) -> ApiToken:
    row = ApiToken(
        member_id=member_id,
        authorization_code_id=code_id,
        application_id=app.id,
        token_hash=token_hash(access_token),
        refresh_token_hash=token_hash(refresh_token) if refresh_token else None,
        scopes=scopes,
        label=app.name[:100],
    )
    session.add(row)
    session.flush()
    return row


def issue_personal(session: Session, username: str, label: str = "") -> str:
    """A new token of the built-in CLI app with every scope for the member; shown once."""
    member = members.get_member(session, username)
    app = oauth_apps.cli_app(session)
    token = PREFIX + generate_token(43)
    row = store(session, app, member.id, token, " ".join(oauth_scopes.ALL_SCOPES))
    row.label = label[:100]
    return token


def tokens_of(session: Session, username: str) -> list[ApiToken]:
    """The member's tokens (personal and of apps), revoked ones included, oldest first."""
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
    push_subscriptions.remove_of_tokens(session, (t.id for t in live))
    return len(live)


def live_by_access(session: Session, token: str) -> ApiToken | None:
    return session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == token_hash(token), ApiToken.revoked_at.is_(None)
        )
    )


def live_by_refresh(session: Session, token: str) -> ApiToken | None:
    return session.scalar(
        select(ApiToken).where(
            ApiToken.refresh_token_hash == token_hash(token), ApiToken.revoked_at.is_(None)
        )
    )


def revoke(session: Session, token_id: int) -> None:
    """Revoke a live token; refused (and the transaction with it) if it was revoked meanwhile,
    so that one refresh token yields one new token even under concurrent trades."""
    done = session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError("invalid_grant", "the token was revoked already", 400)
    push_subscriptions.remove_of_tokens(session, [token_id])


#: the live token with its app and member, in one statement built once: every API request
#: runs it, so neither its three round trips nor rebuilding it per request are worth paying
_BEARER = (
    select(ApiToken, OAuthApplication, Member)
    .join(OAuthApplication, OAuthApplication.id == ApiToken.application_id)
    .outerjoin(Member, Member.id == ApiToken.member_id)
    .where(ApiToken.token_hash == bindparam("hash"), ApiToken.revoked_at.is_(None))
)


@dataclass(frozen=True)
class Bearer:
    """Who a live token speaks for: the app, the member (None for an app's own token)."""

    token_id: int
    scopes: str
    app: OAuthApplication
    member: Member | None
    last_used_at: datetime | None


def bearer(session: Session, token: str) -> Bearer:
    """The live token's holder; DomainError 401 if unknown or revoked, 403 when the member
    may not use the API now (suspended, pending)."""
    found = session.execute(_BEARER, {"hash": token_hash(token)}).first()
    if found is None:  # unknown, revoked, or a token of a deleted app
        raise DomainError("invalid_token", "the access token is unknown or revoked", 401)
    row, app, member = found
    if member is not None:
        if member.status is MemberStatus.suspended:
            raise DomainError("suspended", "this account is suspended", 403)
        if member.status is MemberStatus.pending:
            raise DomainError("pending", "this account is waiting for a moderator's approval", 403)
        if member.status is MemberStatus.declined:
            raise DomainError("declined", "this application was declined", 403)
    return Bearer(row.id, row.scopes, app, member, row.last_used_at)


#: whether a token found live once still is: not revoked, its member (if any) still active
_STILL_LIVE = (
    select(ApiToken.id)
    .outerjoin(Member, Member.id == ApiToken.member_id)
    .where(
        ApiToken.id == bindparam("token"),
        ApiToken.revoked_at.is_(None),
        (ApiToken.member_id.is_(None)) | (Member.status == MemberStatus.active),
    )
)


def still_live(session: Session, token_id: int) -> bool:
    """Whether a token `bearer` accepted may still be used: a long-lived connection (a
    stream) asks on each poll, so that revoking the token, or suspending its member, ends
    it as it refuses the next request."""
    return session.execute(_STILL_LIVE, {"token": token_id}).first() is not None


def needs_touch(found: Bearer, now: datetime | None = None) -> bool:
    return found.last_used_at is None or (now or utcnow()) - found.last_used_at > TOUCH_EVERY


def touch(session: Session, token_id: int) -> None:
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=utcnow()))


# -- authorization codes ----------------------------------------------------------------


def store_code(
    session: Session,
    code: str,
    app: OAuthApplication,
    member_id: int,
    redirect_uri: str,
    scope: str,
    challenge: str | None,
    challenge_method: str | None,
) -> OAuthCode:
    row = OAuthCode(
        code_hash=token_hash(code),
        application_id=app.id,
        member_id=member_id,
        redirect_uri=redirect_uri,
        scope=scope,
        code_challenge=challenge or None,
        code_challenge_method=(challenge_method or "S256") if challenge else None,
        expires_at=utcnow() + CODE_LIFETIME,
    )
    session.add(row)
    session.flush()
    return row


def usable_code(session: Session, code: str, app: OAuthApplication) -> OAuthCode | None:
    """The app's code if it was never traded and has not expired."""
    return session.scalar(
        select(OAuthCode).where(
            OAuthCode.code_hash == token_hash(code),
            OAuthCode.application_id == app.id,
            OAuthCode.used_at.is_(None),
            OAuthCode.expires_at > utcnow(),
        )
    )


def used_code_id(session: Session, code: str, app: OAuthApplication) -> int | None:
    """The id of the app's code if it was traded already (a replay), else None."""
    return session.scalar(
        select(OAuthCode.id).where(
            OAuthCode.code_hash == token_hash(code),
            OAuthCode.application_id == app.id,
            OAuthCode.used_at.is_not(None),
        )
    )


def revoke_issued_from(session: Session, code_id: int) -> int:
    """Revoke the live tokens traded for a code, and those refreshed from them (RFC 6749
    4.1.2: a code traded twice was stolen, and whoever holds its tokens may be the thief)."""
    now = utcnow()
    done = session.execute(
        update(ApiToken)
        .where(ApiToken.authorization_code_id == code_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(ApiToken.id)
    )
    revoked = list(done.scalars())
    push_subscriptions.remove_of_tokens(session, revoked)
    return len(revoked)


def claim_code(session: Session, code_id: int) -> None:
    """Mark the code used; refused if another trade used it first."""
    done = session.execute(
        update(OAuthCode)
        .where(OAuthCode.id == code_id, OAuthCode.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError("invalid_grant", "the authorization code was used already", 400)
