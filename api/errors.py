"""Errors as API clients see them: `{"error": {"code": ..., "message": ...}}` with the HTTP status.

`JsonErrors` wraps the API's router, so that a DomainError raised anywhere below a handler,
a malformed request, or Starlette's own 404 and 405 all answer in that one shape, whatever
the rest of the site does with errors.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from exchange.errors import DomainError

_STARLETTE_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                    405: "method_not_allowed", 413: "too_large", 429: "too_many_requests"}


class ApiError(DomainError):
    """A refusal at the API's own level (bad parameters, missing credentials)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code, message, status)


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def response_for(exc: Exception) -> JSONResponse:
    if isinstance(exc, DomainError):
        headers = {"WWW-Authenticate": 'Bearer realm="comptoir"'} if exc.status == 401 else None
        return error_response(exc.status, exc.code, exc.message, headers)
    assert isinstance(exc, HTTPException)
    code = _STARLETTE_CODES.get(exc.status_code, "error")
    return error_response(exc.status_code, code, str(exc.detail), dict(exc.headers or {}) or None)


class JsonErrors:
    """ASGI wrapper: refusals raised inside the API become JSON error responses."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        # Starlette hands an endpoint's exceptions to the site's handlers (the HTML error page)
        # where the endpoint runs; below this wrapper there are none, so refusals come here.
        scope = {**scope, "starlette.exception_handlers": ({}, {})}
        try:
            await self.app(scope, receive, sending)
        except (DomainError, HTTPException) as exc:
            if started:
                raise
            await response_for(exc)(scope, receive, send)

