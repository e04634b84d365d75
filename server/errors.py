"""How the site answers a refusal that reached the top: an HTML error page for browsers, JSON
otherwise.

A web page refuses by raising `HTTPException` or letting a `DomainError` go; either way the
browser gets the error page with the refusal's own status (404, 403, 400...), never a raw
500. A browser opening a page that needs a login (401 on a GET) is sent to the login page,
which brings it back afterwards (`?next=`), since that is the one thing it can do about it.
A crash is the 500 page, drawn without touching the database (which may be what failed).
The API answers in its own JSON shape before anything gets here (api.errors.JsonErrors);
everyone else (federation clients, scripts) gets `{"error": message}`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from exchange.errors import DomainError
from web.messages import describe
from web.pages import render

log = logging.getLogger("comptoir.errors")

SERVER_ERROR = "Something went wrong on our side. Please try again in a moment."

#: the 500 page when even the site's template cannot be drawn
BARE_500 = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>500</title></head><body><main><h1>500</h1><p>{}</p>"
    '<p><a href="/">Home</a></p></main></body></html>'
)


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and not request.url.path.startswith(("/api/", "/oauth/"))


def _login_redirect(request: Request) -> Response:
    """The login page, with the way back to the page that asked for it."""
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/login?" + urlencode({"next": back}), 303)


async def _answer(
    request: Request, status: int, message: str, headers: Mapping[str, str] | None
) -> Response:
    if _wants_html(request):
        if status == 401 and request.method in ("GET", "HEAD"):
            return _login_redirect(request)
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


async def server_error(request: Request, exc: Exception) -> Response:
    """A crash, for a browser: the site's 500 page drawn as a visitor's page (no database read:
    the database may be what failed), else the bare page."""
    try:
        return await render(
            request,
            "error.html",
            500,
            status_code=500,
            detail=SERVER_ERROR,
            member=None,
            message=None,
        )
    except Exception:  # the template itself failed: say it plainly rather than not at all
        log.exception("the 500 page could not be drawn")
        return HTMLResponse(BARE_500.format(SERVER_ERROR), status_code=500)


class CrashPage:
    """Innermost middleware: a crash under a browser's page becomes the 500 page.

    It sits inside the request log (instance.requestlog.RequestLog), which logs the
    exception re-raised here and, seeing the answer already started, sends nothing more; for
    other clients it answers its own JSON 500 as before. Inside the session middleware, so the
    page can still read the session's CSRF token for its logout button.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:
            request = Request(scope)
            if not started and _wants_html(request):
                await (await server_error(request, exc))(scope, receive, send)
            raise


EXCEPTION_HANDLERS: dict[type[Exception], Callable[[Request, Exception], Awaitable[Response]]] = {
    HTTPException: http_error,
    DomainError: domain_error,
}
