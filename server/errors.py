"""How the site answers a refusal that reached the top: an HTML error page for browsers, JSON
otherwise.

A web page refuses by raising `HTTPException` or letting a `DomainError` go; either way the
browser gets the error page with the refusal's own status (404, 403, 401, 400...), never a
500. The API answers in its own JSON shape before anything gets here (api.errors.JsonErrors);
everyone else (federation clients, scripts) gets `{"error": message}`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from exchange.errors import DomainError
from web.messages import describe
from web.pages import render


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and not request.url.path.startswith(("/api/", "/oauth/"))


async def _answer(
    request: Request, status: int, message: str, headers: Mapping[str, str] | None
) -> Response:
    if _wants_html(request):
        page = await render(request, "error.html", status, status_code=status, detail=message)
        page.headers.update(headers or {})
        return page
    if status in (204, 304):
        return Response(status_code=status, headers=headers)
    return JSONResponse({"error": message}, status_code=status, headers=headers)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return await _answer(request, exc.status_code, exc.detail, exc.headers)


async def domain_error(request: Request, exc: Exception) -> Response:
    """A refusal of the rules that no page turned into an answer of its own."""
    assert isinstance(exc, DomainError)
    # a page says it in the member's language; other clients get the domain's English
    message = describe(exc) if _wants_html(request) else exc.message
    return await _answer(request, exc.status, message, None)


EXCEPTION_HANDLERS: dict[type[Exception], Callable[[Request, Exception], Awaitable[Response]]] = {
    HTTPException: http_error,
    DomainError: domain_error,
}
