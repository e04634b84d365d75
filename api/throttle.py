"""Rate limits of the JSON API: per personal token, or per client address without one.

Counted with token buckets refilled over five minutes as Mastodon's limits are: for the whole
city (in the database, every process sharing them) on PostgreSQL, in this process on SQLite
(instance.shared_ratelimit). Past the limit the API answers 429 with Retry-After and the usual
JSON error, before any handler or database work.

A token has a budget of its own only once it has proved to be a live token (`vouch_for_token`,
called by api.auth after its lookup): a bearer token the city does not know counts against
the client address. Otherwise every made-up token would get a fresh budget, and with it a
database lookup, and the per-address limit could be dodged at will.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

from starlette.types import ASGIApp, Receive, Scope, Send

from instance.database import Database
from instance.ratelimit import Limiter
from instance.settings import ApiLimits
from instance.shared_ratelimit import rate_limiter

from .errors import error_response

PERIOD = 300.0
#: live tokens remembered per process (least recently used forgotten first)
KNOWN_TOKENS = 100_000
#: the scope key of a one-item list the Throttle puts in the scope and api.auth sets to True
#: when the request's bearer token belongs to a member. A list, not a flag: wrappers below the
#: Throttle (api.errors.JsonErrors) pass a copy of the scope on, which shares the list.
_VOUCHED = "comptoir.token_vouched"


def vouch_for_token(scope: Scope) -> None:
    """Say that this request's bearer token is a live token, so it gets a budget of its own."""
    vouched = scope.get(_VOUCHED)
    if vouched is not None:
        vouched[0] = True


def _token_digest(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.partition(b" ")
            if scheme.lower() == b"bearer" and token.strip():
                # a digest, so the tokens themselves are not kept in memory as keys
                return hashlib.sha256(token.strip()).hexdigest()[:32]
    return None


class ApiLimiters:
    """The two budgets of one running city (None: that budget is unlimited), and the tokens
    known to be live."""

    def __init__(self, limits: ApiLimits, db: Database) -> None:
        self.per_token = (
            rate_limiter(db, "api_token", limits.per_token, PERIOD) if limits.per_token else None
        )
        self.per_address = (
            rate_limiter(db, "api_address", limits.per_address, PERIOD)
            if limits.per_address
            else None
        )
        self._known: OrderedDict[str, None] = OrderedDict()

    def budget(self, scope: Scope) -> tuple[Limiter | None, str]:
        """The limiter that counts this request and its key in it."""
        digest = _token_digest(scope)
        if digest is not None and digest in self._known:
            self._known.move_to_end(digest)
            return self.per_token, digest
        client = scope.get("client")
        return self.per_address, client[0] if client else "?"

    async def remember(self, scope: Scope) -> None:
        """After a request: keep its token as live if api.auth vouched for it."""
        if not scope.get(_VOUCHED, [False])[0]:
            return
        digest = _token_digest(scope)
        if digest is None or digest in self._known:
            return
        self._known[digest] = None
        if self.per_token is not None:  # its first request counts in its own budget too
            await self.per_token.allow_async(digest)
        if len(self._known) > KNOWN_TOKENS:
            self._known.popitem(last=False)


class Throttle:
    """ASGI wrapper around the API's router; each app mounts its own, so the counts are per city."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._limiters: ApiLimiters | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if self._limiters is None:
                city = scope["app"].state.city
                self._limiters = ApiLimiters(city.settings.api, city.db)
            limiter, key = self._limiters.budget(scope)
            if limiter is not None and not await limiter.allow_async(key):
                wait = limiter.retry_after(key)
                response = error_response(
                    429,
                    "too_many_requests",
                    f"too many requests; try again in {wait} s",
                    headers={"Retry-After": str(wait)},
                )
                await response(scope, receive, send)
                return
            scope[_VOUCHED] = [False]
            try:
                await self.app(scope, receive, send)
            finally:
                await self._limiters.remember(scope)
            return
        await self.app(scope, receive, send)
