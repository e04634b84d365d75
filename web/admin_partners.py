"""The admin page of partner cities: each partner, its rule in force, the proposals waiting,
every version, and our net position against the caps (OK / ALERT past half a cap / KO at a
cap).

Admins only. Forms go through `checked_form` (CSRF) and call the same use cases as the CLI
and the API (services/partners.py); a refusal re-renders the page with its message and status.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from exchange import partner_views, partners
from exchange.errors import DomainError
from instance.city import City, city_of
from instance.i18n import gettext as _
from models import Member
from services import partners as cases

from .admin_domains import staff
from .csrf import checked_form
from .pages import render
from .refusal import NONE, Refusal, refusal

#: which field a proposal's refusal is about
PROPOSAL_FIELDS = {
    "invalid_rate": "rate",
    "unknown_currency": "currency",
    "already_expired": "until",
    "invalid_date": "until",
    "min_above_max": "min",
    "invalid_minimum": "min",
    "unknown_partner": "domain",
    "not_federating": "domain",
    "invalid_domain": "domain",
}


def _views(session: Session, city: City) -> list[dict[str, Any]]:
    return [
        partner_views.partnership_view(
            session, p, city.urls.instance_actor, city.settings.currency.scale, all_versions=True
        )
        for p in partners.partnerships(session)
    ]


async def partners_page(request: Request, refused: Refusal = NONE) -> Response:
    member = await staff(request, admin_only=True)
    city = city_of(request)
    views = await city.db.read(lambda s: _views(s, city))
    return await render(
        request,
        "admin/partners.html",
        refused.status,
        member=member,
        refused=refused,
        partners=views,
        message=request.query_params.get("message", ""),
    )


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


async def propose_action(request: Request) -> Response:
    admin = await staff(request, admin_only=True)
    form = await checked_form(request)
    city = city_of(request)
    try:
        fee = _text(form, "fee_bps") or "0"
        if not fee.isdigit():
            raise DomainError("invalid_fee", "the fee is a whole number of basis points", 400)
        ask = partners.parse_ask(
            city.settings.currency,
            rate=_text(form, "rate"),
            min_amount=_text(form, "min"),
            max_amount=_text(form, "max"),
            import_cap=_text(form, "import_cap"),
            export_cap=_text(form, "export_cap"),
            until=_text(form, "until") or None,
            fee_bps=int(fee),
        )
        partner = await cases.reach(city, _text(form, "domain"))
        expected = _text(form, "currency") or None
        await city.db.write(
            lambda s: cases.propose(s, city, partner, ask, expected_currency=expected, by=admin)
        )
    except DomainError as exc:
        return await partners_page(request, refusal("propose", form, exc, PROPOSAL_FIELDS))
    return RedirectResponse("/admin/partners?message=" + quote(_("Proposal sent.")), 303)


async def partner_action(request: Request) -> Response:
    admin = await staff(request, admin_only=True)
    form = await checked_form(request)
    city = city_of(request)
    action = request.path_params["action"]
    domain = _text(form, "domain")
    reason = _text(form, "reason")
    try:
        rule = await city.db.write(lambda s: _act(s, city, admin, action, domain, reason))
    except DomainError as exc:
        return await partners_page(request, refusal(f"{action}:{domain}", form, exc))
    message = _("%(domain)s: version %(version)s is %(status)s.") % {
        "domain": domain,
        "version": rule.version,
        "status": rule.status.value,
    }
    return RedirectResponse(f"/admin/partners?message={quote(message)}", 303)


def _act(session: Session, city: City, admin: Member, action: str, domain: str, reason: str) -> Any:
    cases.find_partner(session, domain)
    if action == "accept":
        return cases.accept(session, city, domain, by=admin)
    if action == "reject":
        return cases.reject(session, city, domain, reason, by=admin)
    if action == "suspend":
        return cases.suspend(session, city, domain, reason, by=admin)
    if action == "resume":
        return cases.resume(session, city, domain, by=admin)
    raise DomainError("not_found", "no such action", 404)


def routes() -> list[BaseRoute]:
    return [
        Route("/admin/partners", partners_page, methods=["GET"]),
        Route("/admin/partners/propose", propose_action, methods=["POST"]),
        Route("/admin/partners/{action}", partner_action, methods=["POST"]),
    ]
