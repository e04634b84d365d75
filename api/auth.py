"""Who is calling the API: a bearer token (`Authorization: Bearer <token>`) and its scopes.

One token system for `/api/comptoir/v1/` and the Mastodon API: the OAuth access tokens of
apps (`/oauth/token`) and the personal tokens of `comptoir users token NAME` (tokens of the
built-in app `comptoir-cli` with every scope) are rows of one table, only their sha256 kept
(exchange/oauth_tokens.py). `authenticated(request, scope)` is the one check every endpoint
goes through: the token is live, its member may use the API, and its scopes cover `scope`
(Mastodon's rules: `read` covers `read:*`, `write` covers `write:*`, `follow` the follow,
block and mute scopes). Without a scope, a GET needs `read` and anything else `write`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session
from starlette.requests import Request

from exchange import oauth_scopes, oauth_tokens
from exchange.errors import DomainError, Forbidden
from instance.city import city_of
from models import ApiToken, Member, Role

from .throttle import vouch_for_token

#: kept for callers of the personal tokens' names
PREFIX = oauth_tokens.PREFIX
token_hash = oauth_tokens.token_hash
issue_token = oauth_tokens.issue_personal
tokens_of = oauth_tokens.tokens_of
revoke_tokens = oauth_tokens.revoke_tokens
OUTSIDE_SCOPES = "This action is outside the authorized scopes"
T = TypeVar("T")

__all__ = [
    "ApiToken",
    "PREFIX",
    "admin",
    "authenticated",
    "bearer",
    "issue_token",
    "member_for_token",
    "read_as_member",
    "revoke_tokens",
    "token_hash",
    "tokens_of",
]


def member_for_token(session: Session, token: str) -> Member:
    """The member a bearer token speaks for, if they may use the API now; DomainError otherwise."""
    found = oauth_tokens.bearer(session, token)
    if found.member is None:
        raise DomainError("unprocessable", "This method requires an authenticated user", 422)
    return found.member


def default_scope(request: Request) -> str:
    return "read" if request.method in ("GET", "HEAD") else "write"


def _sent_token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise DomainError(
            "unauthorized", "send a personal token as 'Authorization: Bearer <token>'", 401
        )
    return token.strip()


def _check_scope(found: oauth_tokens.Bearer, scope: str | None) -> None:
    if scope is not None and not oauth_scopes.covers(found.scopes, scope):
        raise DomainError("outside_scopes", OUTSIDE_SCOPES, 403)


async def bearer(request: Request, scope: str | None = None) -> oauth_tokens.Bearer:
    """The live token of the request and what it speaks for (an app's own token included)."""
    token = _sent_token(request)
    db = city_of(request).db
    found = await db.read(lambda s: oauth_tokens.bearer(s, token))
    vouch_for_token(request.scope)  # from now on this token has its own rate-limit budget
    _check_scope(found, scope)
    if oauth_tokens.needs_touch(found):
        await db.write(lambda s: oauth_tokens.touch(s, found.token_id))
    return found


async def read_as_member(request: Request, scope: str, work: Callable[[Session, Member], T]) -> T:
    """`authenticated`, then `work` for that member, in one read: one thread hop and one
    transaction instead of two, for the hot read endpoints (the home timeline). The same
    refusals in the same order (401, 403, 422), raised before `work` runs."""
    token = _sent_token(request)
    db = city_of(request).db
    found: list[oauth_tokens.Bearer] = []

    def unit(session: Session) -> T:
        holder = oauth_tokens.bearer(session, token)
        found.append(holder)
        _check_scope(holder, scope)
        if holder.member is None:
            raise DomainError("unprocessable", "This method requires an authenticated user", 422)
        return work(session, holder.member)

    try:
        result = await db.read(unit)
    finally:
        if found:
            vouch_for_token(request.scope)  # a live token: its own rate-limit budget
    if oauth_tokens.needs_touch(found[0]):
        await db.write(lambda s: oauth_tokens.touch(s, found[0].token_id))
    return result


async def authenticated(request: Request, scope: str | None = None) -> Member:
    """The calling member (401 without a usable token, 403 when suspended or pending or when
    the token's scopes do not cover `scope`, 422 for an app's own token)."""
    found = await bearer(request, scope or default_scope(request))
    if found.member is None:
        raise DomainError("unprocessable", "This method requires an authenticated user", 422)
    return found.member


async def admin(request: Request, scope: str | None = None) -> Member:
    member = await authenticated(request, scope or f"admin:{default_scope(request)}")
    if member.role is not Role.admin:
        raise Forbidden("this needs an admin's token")
    return member
