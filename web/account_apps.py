"""The apps a member has let in (`/account/apps`): what each may do, and revoking it.

A member who tried an app once, lost a phone or no longer trusts an app ends its access
here; its tokens are refused from the next request on (exchange/authorized_apps.py).
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from exchange import authorized_apps
from instance.city import city_of
from instance.i18n import gettext as _

from .csrf import checked_form
from .market import signed_in
from .pages import render


async def apps_page(request: Request) -> Response:
    who = await signed_in(request)
    apps = await city_of(request).db.read(lambda s: authorized_apps.of_member(s, who.id))
    return await render(request, "account_apps.html", apps=apps, member=who)


def _id(request: Request) -> int:
    text = request.path_params["id"]
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise HTTPException(404)
    return int(text)


async def revoke_app(request: Request) -> Response:
    who = await signed_in(request)
    await checked_form(request)
    app_id = _id(request)
    revoked = await city_of(request).db.write(
        lambda s: authorized_apps.revoke_app(s, who.id, app_id)
    )
    if not revoked:
        raise HTTPException(404, _("No app of yours has this number."))
    return RedirectResponse(
        "/account/apps?message=" + quote(_("The app's access is revoked.")), 303
    )


async def revoke_token(request: Request) -> Response:
    who = await signed_in(request)
    await checked_form(request)
    token_id = _id(request)
    revoked = await city_of(request).db.write(
        lambda s: authorized_apps.revoke_personal(s, who.id, token_id)
    )
    if not revoked:
        raise HTTPException(404, _("You have no such token."))
    return RedirectResponse("/account/apps?message=" + quote(_("The token is revoked.")), 303)


def routes() -> list[BaseRoute]:
    return [
        Route("/account/apps", apps_page),
        Route("/account/apps/{id}/revoke", revoke_app, methods=["POST"]),
        Route("/account/tokens/{id}/revoke", revoke_token, methods=["POST"]),
    ]
