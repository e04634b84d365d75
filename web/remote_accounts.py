"""The moderators' page of suspended remote accounts: suspend one by handle, lift a
suspension. The same functions as the API and the CLI (services.moderation); a refusal
(unknown account, already suspended) shows the page again with what was typed.
"""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from exchange.errors import DomainError
from instance.city import city_of
from instance.i18n import gettext as _
from services import moderation

from .admin_domains import staff
from .csrf import checked_form
from .pages import render
from .refusal import NONE, Refusal, refusal

PAGE = "/admin/remote-accounts"


async def accounts_page(request: Request, refused: Refusal = NONE) -> Response:
    member = await staff(request, admin_only=False)
    found = await city_of(request).db.read(moderation.suspended_remote)
    return await render(
        request,
        "admin/remote_accounts.html",
        status=refused.status,
        member=member,
        accounts=found,
        refused=refused,
        message=request.query_params.get("message", ""),
    )


async def change(request: Request) -> Response:
    member = await staff(request, admin_only=False)
    form = await checked_form(request)
    what = request.path_params["action"]
    if what not in ("suspend", "unsuspend"):
        raise HTTPException(404)
    city = city_of(request)
    account, reason = str(form.get("account", "")), str(form.get("reason", ""))

    def write(session: Session) -> str:
        if what == "suspend":
            return moderation.suspend_remote(session, account, member, reason)
        actor = moderation.unsuspend_remote(session, account, member, reason)
        return _("Lifted the suspension of %(handle)s.") % {"handle": actor.handle}

    try:
        message = await city.db.write(write)
    except DomainError as exc:
        return await accounts_page(request, refusal(what, form, exc))
    city.fediverse.policy.invalidate()
    return RedirectResponse(f"{PAGE}?message={quote(message)}", 303)


def routes() -> list[BaseRoute]:
    return [
        Route(PAGE, accounts_page, methods=["GET"]),
        Route(PAGE + "/{action}", change, methods=["POST"]),
    ]
