"""The member's open sessions (`/account/sessions`): where they are logged in, and ending them.

A member who left a session open on a shared computer, or whose cookie was copied, ends it
here; the session row goes, so the other browser is logged out on its next request.
"""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from exchange import web_sessions
from instance.city import city_of
from instance.i18n import gettext as _

from .csrf import checked_form
from .market import signed_in
from .pages import render
from .session import current_session_id


async def sessions_page(request: Request) -> Response:
    who = await signed_in(request)
    mine = await current_session_id(request)
    rows = await city_of(request).db.read(lambda s: web_sessions.of_member(s, who.id))
    return await render(request, "account_sessions.html", sessions=rows, current=mine, member=who)


async def end_session(request: Request) -> Response:
    who = await signed_in(request)
    await checked_form(request)
    text = request.path_params["id"]
    if not text.isascii() or not text.isdigit():
        raise HTTPException(404)
    session_id = int(text)
    if session_id == await current_session_id(request):
        raise HTTPException(409, _("This is the session you are using: log out instead."))
    ended = await city_of(request).db.write(lambda s: web_sessions.end_one(s, who.id, session_id))
    if not ended:
        raise HTTPException(404, _("You have no such session."))
    return RedirectResponse("/account/sessions?message=" + quote(_("The session is ended.")), 303)


async def end_others(request: Request) -> Response:
    who = await signed_in(request)
    await checked_form(request)
    mine = await current_session_id(request)

    def end(session: Session) -> int:
        return web_sessions.end_all(session, who.id, keep=mine)

    count = await city_of(request).db.write(end)
    ended = _("%(count)s other sessions ended.") % {"count": count}
    return RedirectResponse(f"/account/sessions?message={quote(ended)}", 303)


def routes() -> list[BaseRoute]:
    return [
        Route("/account/sessions", sessions_page),
        Route("/account/sessions/others/end", end_others, methods=["POST"]),
        Route("/account/sessions/{id}/end", end_session, methods=["POST"]),
    ]
