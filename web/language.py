"""Which language a page speaks, and the switch that changes it (docs/I18N.md).

The rule, first that answers: the member's stored choice; a visitor's choice (a cookie set
by the switch); the browser's Accept-Language; the city's `language` in instance.toml;
English. It is decided once per request, before the page handler runs, by `Language` (an
ASGI middleware inside the session middleware), and kept in the context variable of
`instance.i18n`, so every message of the request (template, form error, error page) and the
`<html lang>` of the page agree.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from exchange import members
from instance import i18n
from instance.city import city_of

from .csrf import checked_form
from .session import current_member

#: the visitor's choice, when nobody is logged in (a year: a preference, not a secret)
COOKIE = "comptoir_language"
COOKIE_AGE = 365 * 24 * 3600
#: paths that never render a page: no member lookup for them
_NOT_PAGES = ("/api/", "/static/", "/inbox", "/.well-known/", "/nodeinfo", "/media/")


def city_language(request: Request) -> str:
    """The city's configured language when we have its catalogue, else the source language."""
    return i18n.supported(city_of(request).settings.language) or i18n.SOURCE


async def choose(request: Request) -> str:
    """The language of this request's pages, by the rule above."""
    member = await current_member(request)
    if member is not None and i18n.supported(member.language):
        return str(i18n.supported(member.language))
    return (
        i18n.supported(request.cookies.get(COOKIE))
        or i18n.from_accept_language(request.headers.get("accept-language"))
        or city_language(request)
    )


class Language:
    """Sets the request's language before any handler, error handler or template runs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(_NOT_PAGES):
            await self.app(scope, receive, send)
            return
        # for this request only: the caller's own language is back afterwards
        with i18n.use(await choose(Request(scope))):
            await self.app(scope, receive, send)


def _local(value: object) -> str | None:
    """A local path of this site, or None: never another site (`//evil.example`)."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//"):
        return None
    if "\\" in value or any(ord(c) < 32 for c in value):
        return None
    return value


def _back(request: Request, form_back: object) -> str:
    """Where to return after switching: the page the form was on, with its query (the
    Referer, when it is this site's), else the path the form names, else the home page.
    The form carries only the path, so a page never echoes its query into the switch."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc and referer.scheme == request.url.scheme:
        here = _local(referer.path + (f"?{referer.query}" if referer.query else ""))
        if here is not None:
            return here
    return _local(form_back) or "/"


async def switch(request: Request) -> Response:
    """The switch (a plain form, no JavaScript): the member's stored setting when logged in,
    a cookie for a visitor; then back to the page the form was on."""
    form = await checked_form(request)
    language = i18n.supported(form.get("language"))
    response = RedirectResponse(_back(request, form.get("back")), 303)
    if language is None:
        return response
    member = await current_member(request)
    if member is not None:
        member_id = member.id
        await city_of(request).db.write(lambda s: members.set_language(s, member_id, language))
    city = city_of(request)
    response.set_cookie(
        COOKIE,
        language,
        max_age=COOKIE_AGE,
        samesite="lax",
        httponly=True,
        secure=city.settings.scheme == "https",
    )
    return response


def routes() -> list[BaseRoute]:
    return [Route("/language", switch, methods=["POST"])]
