"""Who is logged in: the session token in the signed cookie, looked up in `web_sessions`.

The cookie holds no identity, only a random token (and the CSRF token of web/csrf.py); the
row is the session. Logging out deletes it, so a copy of the cookie taken before is worth
nothing afterwards; a password change or a suspension deletes every row of the member.
The lookup is made once per request and kept on `request.state`.
"""

from __future__ import annotations

from starlette.requests import Request

from exchange import web_sessions
from instance.city import city_of
from models import Member

from .csrf import FIELD as CSRF_FIELD

#: the cookie key of the session token
TOKEN = "session"


async def log_in(request: Request, member: Member) -> None:
    """Open a new session row and put its token in a fresh cookie (no fixation)."""
    agent = request.headers.get("user-agent", "")
    token = await city_of(request).db.write(lambda s: web_sessions.open_session(s, member, agent))
    request.session.clear()
    request.session[TOKEN] = token
    request.state.viewer = (None, None)


async def log_out(request: Request) -> None:
    token = request.session.get(TOKEN)
    if isinstance(token, str):
        await city_of(request).db.write(lambda s: web_sessions.end(s, token))
    request.session.clear()
    request.state.viewer = (None, None)


def _forget(request: Request) -> None:
    """Drop an ended session from the cookie, keeping the CSRF token of forms already drawn."""
    csrf = request.session.get(CSRF_FIELD)
    request.session.clear()
    if csrf:
        request.session[CSRF_FIELD] = csrf


async def _viewer(request: Request) -> tuple[Member | None, int | None]:
    cached = getattr(request.state, "viewer", None)
    if cached is not None:
        return cached
    token = request.session.get(TOKEN)
    found = None
    if isinstance(token, str):
        db = city_of(request).db
        found = await db.read(lambda s: web_sessions.find(s, token))
        if found is not None and not found[1].is_active:
            found = None
        if found is None:
            _forget(request)
        elif web_sessions.needs_touch(found[0]):
            session_id = found[0].id
            await db.write(lambda s: web_sessions.touch(s, session_id))
    request.state.viewer = (found[1], found[0].id) if found else (None, None)
    return request.state.viewer


async def current_member(request: Request) -> Member | None:
    """The logged-in, active member of this request, or None."""
    return (await _viewer(request))[0]


async def current_session_id(request: Request) -> int | None:
    """The id of this request's session row, or None when nobody is logged in."""
    return (await _viewer(request))[1]
