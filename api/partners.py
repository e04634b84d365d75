"""Partner cities and their exchange rules over JSON, for admins: `/api/comptoir/v1/partners`.

The same use cases as `comptoir partners` and the admin page (services/partners.py); the
OpenAPI description is partners_spec.py. Proposing fetches the partner's instance actor first
(nothing is stored if it cannot be found, is not federated with, or is no Comptoir city).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import partner_views, partners
from instance.city import City, city_of
from models import ExchangeRule, Member
from services import partners as cases

from .auth import admin
from .params import field, json_body

PROPOSAL = {
    "domain",
    "rate",
    "min",
    "max",
    "import_cap",
    "export_cap",
    "until",
    "fee_bps",
    "currency",
}


def _view(session: Session, city: City, domain: str, all_versions: bool) -> dict[str, Any]:
    partnership = cases.find_partner(session, domain)
    return partner_views.partnership_view(
        session,
        partnership,
        city.urls.instance_actor,
        city.settings.currency.scale,
        all_versions=all_versions,
    )


async def list_partners(request: Request) -> Response:
    await admin(request)
    city = city_of(request)

    def read(session: Session) -> dict[str, Any]:
        return {
            "partners": [
                partner_views.partnership_view(
                    session,
                    p,
                    city.urls.instance_actor,
                    city.settings.currency.scale,
                    all_versions=False,
                )
                for p in partners.partnerships(session)
            ]
        }

    return JSONResponse(await city.db.read(read))


async def show_partner(request: Request) -> Response:
    await admin(request)
    city = city_of(request)
    domain = request.path_params["domain"]
    return JSONResponse(await city.db.read(lambda s: _view(s, city, domain, True)))


async def propose(request: Request) -> Response:
    me = await admin(request)
    city = city_of(request)
    body = await json_body(request, PROPOSAL)
    fee = field(body, "fee_bps", int, required=False)
    ask = partners.parse_ask(
        city.settings.currency,
        rate=field(body, "rate", str),
        min_amount=field(body, "min", str),
        max_amount=field(body, "max", str),
        import_cap=field(body, "import_cap", str),
        export_cap=field(body, "export_cap", str),
        until=field(body, "until", str, required=False),
        fee_bps=fee or 0,
    )
    expected = field(body, "currency", str, required=False)
    partner = await cases.reach(city, field(body, "domain", str))

    def write(session: Session) -> dict[str, Any]:
        rule = cases.propose(session, city, partner, ask, expected_currency=expected, by=me)
        return partner_views.rule_view(rule, city.urls.instance_actor)

    return JSONResponse(await city.db.write(write), status_code=201)


def _action(kind: str) -> Any:
    allowed = {
        "accept": {"version"},
        "reject": {"version", "reason"},
        "suspend": {"reason"},
        "resume": set(),
    }[kind]

    async def endpoint(request: Request) -> Response:
        me = await admin(request)
        city = city_of(request)
        domain = request.path_params["domain"]
        body = await json_body(request, allowed, empty=True)
        version = field(body, "version", int, required=False)
        reason = field(body, "reason", str, required=False) or ""

        def write(session: Session) -> dict[str, Any]:
            cases.find_partner(session, domain)
            rule = _act(session, city, me, kind, domain, version, reason)
            return partner_views.rule_view(rule, city.urls.instance_actor)

        return JSONResponse(await city.db.write(write))

    return endpoint


def _act(
    session: Session,
    city: City,
    me: Member,
    kind: str,
    domain: str,
    version: int | None,
    reason: str,
) -> ExchangeRule:
    if kind == "accept":
        return cases.accept(session, city, domain, version=version, by=me)
    if kind == "reject":
        return cases.reject(session, city, domain, reason, version=version, by=me)
    if kind == "suspend":
        return cases.suspend(session, city, domain, reason, by=me)
    return cases.resume(session, city, domain, by=me)


ROUTES = [
    Route("/partners", list_partners, methods=["GET"]),
    Route("/partners", propose, methods=["POST"]),
    Route("/partners/{domain}", show_partner, methods=["GET"]),
    *(
        Route(f"/partners/{{domain}}/{kind}", _action(kind), methods=["POST"])
        for kind in ("accept", "reject", "suspend", "resume")
    ),
]
