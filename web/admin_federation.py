"""The admin page of federation health: /admin/federation.

Known hosts with their availability, last success and failure, deliveries queued / retrying
/ failed with the last error, failed inbound activities with theirs, and the actions retry
and discard (per delivery, per host, per inbound activity, or everything). Admins only;
every form goes through `checked_form` (CSRF). The same functions as `comptoir federation`
(outbox.federation_health, outbox.redelivery).
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from exchange.errors import DomainError
from instance.city import city_of
from instance.i18n import gettext as _
from outbox import federation_health, redelivery

from .admin_domains import staff
from .csrf import checked_form
from .pages import render
from .refusal import NONE, Refusal, refusal

ACTIONS = ("retry", "discard")


async def federation_page(request: Request, refused: Refusal = NONE) -> Response:
    member = await staff(request, admin_only=True)
    health = await city_of(request).db.read(federation_health.report)
    return await render(
        request,
        "admin/federation.html",
        refused.status,
        member=member,
        refused=refused,
        health=health,
    )


def _ids(form: FormData, name: str) -> list[int]:
    values = []
    for value in form.getlist(name):
        if not isinstance(value, str) or not value.strip().isdigit():
            raise DomainError("invalid_value", f"{name} must be a number", 400)
        values.append(int(value))
    return values


def _selection(form: FormData) -> redelivery.Selection:
    return redelivery.Selection(
        deliveries=_ids(form, "delivery"),
        hosts=[h.strip() for h in form.getlist("host") if isinstance(h, str) and h.strip()],
        inbound=_ids(form, "inbound"),
        everything=form.get("all") == "1",
    )


async def federation_action(request: Request) -> Response:
    await staff(request, admin_only=True)
    form = await checked_form(request)
    action = request.path_params["action"]
    if action not in ACTIONS:
        raise HTTPException(404)
    act = redelivery.retry if action == "retry" else redelivery.discard
    try:
        selection = _selection(form)
        done = await city_of(request).db.write(lambda s: act(s, selection))
    except DomainError as exc:
        return await federation_page(request, refusal(action, form, exc))
    facts = {"deliveries": done.deliveries, "inbound": done.inbound}
    if action == "retry":
        message = _("Queued again: %(deliveries)s deliveries, %(inbound)s inbound activities.")
    else:
        message = _("Discarded: %(deliveries)s deliveries, %(inbound)s inbound activities.")
    message = message % facts
    return RedirectResponse(f"/admin/federation?message={quote(message)}", 303)


def routes() -> list[BaseRoute]:
    return [
        Route("/admin/federation", federation_page, methods=["GET"]),
        Route("/admin/federation/{action}", federation_action, methods=["POST"]),
    ]
