"""`/oauth/authorize`: the member logs in (our login page) and says yes or no to an app.

GET checks the authorization request (Authlib's code grant: known app, registered redirect
URI, scopes within the app's) and shows the consent page: the app, the scopes it asks for,
approve or deny. `force_login` ends the current web session first, so that another member
may log in. The POST carries the CSRF token; it answers with a redirect to the app (code, or
`error=access_denied`) or, for the out-of-band URI, a page showing the code to copy. A bad
request is never redirected (the redirect URI may be the attacker's): it is shown here.
The consent page may not be framed (clickjacking).
"""

from __future__ import annotations

from urllib.parse import urlencode

from authlib.oauth2.rfc6749.errors import OAuth2Error
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from instance.i18n import gettext as _
from services.oauth import flows

from .csrf import checked_form
from .labels import N_
from .pages import render
from .session import current_member, log_out

#: what the consent page says each scope lets the app do
SCOPE_WORDS = {
    "read": N_("read everything of your account"),
    "write": N_("change everything of your account (post, offer, follow...)"),
    "follow": N_("follow, block and mute accounts, and see whom you follow"),
    "push": N_("receive your notifications"),
    "profile": N_("see your profile"),
    "admin:read": N_("read the administration data of this city"),
    "admin:write": N_("change the administration of this city"),
}


def _describe(scope: str) -> str:
    """What a scope lets the app do, in the member's language."""
    if scope in SCOPE_WORDS:
        return _(SCOPE_WORDS[scope])
    kind, _sep, what = scope.rpartition(":")
    words = _("read your %(what)s") if kind.endswith("read") else _("change your %(what)s")
    return words % {"what": what.replace("_", " ")}


async def _refuse(request: Request, error: OAuth2Error) -> Response:
    return await render(
        request,
        "error.html",
        400,
        status_code=400,
        detail=f"This app's request cannot be authorized: {error.description or error.error}",
    )


async def authorize_page(request: Request) -> Response:
    member = await current_member(request)
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "force_login"]
    if request.query_params.get("force_login", "").lower() in ("1", "true", "yes"):
        if member is not None:
            await log_out(request)
        member = None
    if member is None:
        back = "/oauth/authorize?" + urlencode(params)
        return RedirectResponse("/login?" + urlencode({"next": back}), 303)
    try:
        consent = await flows.consent(request, member)
    except OAuth2Error as error:
        return await _refuse(request, error)
    page = await render(
        request,
        "oauth_authorize.html",
        consent=consent,
        scopes=[(scope, _describe(scope)) for scope in consent.scopes],
    )
    # no other site may frame the consent page and trick a click on "Authorize"
    page.headers["X-Frame-Options"] = "DENY"
    page.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    return page


async def authorize(request: Request) -> Response:
    form = await checked_form(request)
    member = await current_member(request)
    if member is None:
        return RedirectResponse("/login", 303)
    try:
        decision = await flows.decide(request, member, form.get("decision") == "approve")
    except OAuth2Error as error:
        return await _refuse(request, error)
    if decision.location is not None:
        return RedirectResponse(decision.location, 302)
    return await render(request, "oauth_code.html", code=decision.oob_code, error=decision.error)


def routes() -> list[Route]:
    return [
        Route("/oauth/authorize", authorize_page, methods=["GET"]),
        Route("/oauth/authorize", authorize, methods=["POST"]),
    ]
