"""A funded project's payouts over JSON: its organiser or staff pay its funds to a member,
and list what was paid. The same use case as the web page and the CLI
(services/project_payouts.py); the OpenAPI description is project_payouts_spec.py.

The client may send its own `id` (as for payments) so that a retry never pays twice.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import ledger
from exchange.project_payouts import PREFIX, Payout, parse_payout_amount
from instance.city import City, city_of
from models import Member
from services import project_payouts as cases

from .auth import authenticated
from .params import field, json_body


def render_payout(city: City, slug: str, payout: Payout) -> dict[str, Any]:
    return {
        "id": payout.transfer.removeprefix(PREFIX),
        "transfer": payout.transfer,
        "project": slug,
        "member": payout.payee,
        "amount": city.settings.currency.format(payout.amount),
        "memo": payout.memo,
        "created_at": payout.created_at.isoformat(),
    }


async def pay_out(request: Request) -> Response:
    caller = await authenticated(request)
    city = city_of(request)
    slug = request.path_params["slug"]
    body = await json_body(request, {"member", "amount", "memo", "id"})
    payee = field(body, "member", str)
    amount = parse_payout_amount(field(body, "amount", str), city.settings.currency.scale)
    memo = field(body, "memo", str, required=False) or ""
    public_id = ledger.check_client_id(field(body, "id", str, required=False))

    def write(session: Session) -> dict[str, Any]:
        member = session.get(Member, caller.id)
        posting = cases.pay_out(
            session, city, slug, member, payee, amount, memo=memo, public_id=public_id
        )
        [payout] = [
            p
            for p in cases.payouts(session, slug, member)
            if p.transfer == posting.transfer.public_id
        ]
        return render_payout(city, slug, payout)

    return JSONResponse(await city.db.write(write), status_code=201)


async def list_payouts(request: Request) -> Response:
    caller = await authenticated(request)
    city = city_of(request)
    slug = request.path_params["slug"]

    def read(session: Session) -> dict[str, Any]:
        member = session.get(Member, caller.id)
        return {
            "payouts": [render_payout(city, slug, p) for p in cases.payouts(session, slug, member)]
        }

    return JSONResponse(await city.db.read(read))


ROUTES = [
    Route("/projects/{slug}/payouts", pay_out, methods=["POST"]),
    Route("/projects/{slug}/payouts", list_payouts, methods=["GET"]),
]
