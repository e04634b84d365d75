"""Rate limits of the JSON API: per personal token, or per client address without one.

Counted in this process with token buckets (instance.ratelimit), refilled over five minutes
as Mastodon's limits are. Past the limit the API answers 429 with Retry-After and the usual
JSON error, before any handler or database work.
"""

from __future__ import annotations

import hashlib

from starlette.types import ASGIApp, Receive, Scope, Send

from instance.ratelimit import RateLimiter
from instance.settings import ApiLimits

from .errors import error_response

PERIOD = 300.0


class ApiLimiters:
    """The two budgets of one running city (None: that budget is unlimited)."""

    def __init__(self, limits: ApiLimits) -> None:
        self.per_token = RateLimiter(limits.per_token, PERIOD) if limits.per_token else None
        self.per_address = RateLimiter(limits.per_address, PERIOD) if limits.per_address else None

    def budget(self, scope: Scope) -> tuple[RateLimiter | None, str]:
        """The limiter that counts this request and its key in it."""
        for name, value in scope["headers"]:
            if name == b"authorization":
                scheme, _, token = value.partition(b" ")
                if scheme.lower() == b"bearer" and token.strip():
                    # a digest, so the tokens themselves are not kept in memory as keys
                    return self.per_token, hashlib.sha256(token.strip()).hexdigest()[:32]
        client = scope.get("client")
        return self.per_address, client[0] if client else "?"


class Throttle:
    """ASGI wrapper around the API's router; each app mounts its own, so the counts are per city."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._limiters: ApiLimiters | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if self._limiters is None:
                self._limiters = ApiLimiters(scope["app"].state.city.settings.api)
            limiter, key = self._limiters.budget(scope)
            if limiter is not None and not limiter.allow(key):
                wait = limiter.retry_after(key)
                response = error_response(429, "too_many_requests",
                                          f"too many requests; try again in {wait} s",
                                          headers={"Retry-After": str(wait)})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
