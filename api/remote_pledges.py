"""Pledges to other cities' projects over JSON: pledge by the project's address, list, withdraw.

A pledge to a project of a partner city is a settlement (services/remote_pledges.py): the
amount is in our currency, converted with the exchange rule in force; the answer carries both
amounts. The project's Page is fetched before the transaction that holds the amount.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange.amounts import parse_amount
from instance.amounts import format_amount
from instance.city import city_of
from models import Member, Settlement, SettlementState
from services import remote_pledges as cases

from .auth import authenticated
from .params import field, json_body

S = SettlementState
_STATES = {
    S.preparing: "pending",
    S.committed: "committed",
    S.acked: "committed",
    S.aborted: "voided",
}


def render_remote_pledge(row: Settlement) -> dict[str, Any]:
    return {
        "id": row.public_id,
        "project": row.project_uri,
        "state": _STATES.get(row.state, row.state.value),
        "accepted": row.voted_at is not None or row.state in (S.committed, S.acked),
        "source": {
            "amount": format_amount(row.source_amount, row.source_scale),
            "currency": row.source_currency,
        },
        "target": {
            "amount": format_amount(row.target_amount, row.target_scale),
            "currency": row.target_currency,
        },
        "fee": format_amount(row.fee_amount, row.source_scale),
        "settlement": row.uri,
        "code": row.code or None,
        "created_at": row.created_at.isoformat(),
    }


async def list_mine(request: Request) -> Response:
    caller = await authenticated(request)
    city = city_of(request)

    def read(session: Session) -> list[dict[str, Any]]:
        member = session.get(Member, caller.id)
        assert member is not None
        return [render_remote_pledge(row) for row in cases.mine(session, member)]

    return JSONResponse({"pledges": await city.db.read(read)})


async def pledge(request: Request) -> Response:
    caller = await authenticated(request)
    city = city_of(request)
    body = await json_body(request, {"project", "amount"})
    url = field(body, "project", str)
    amount = parse_amount(field(body, "amount", str), city.settings.currency.scale)
    project = await cases.find_project(city, url)

    def write(session: Session) -> dict[str, Any]:
        member = session.get(Member, caller.id)
        assert member is not None
        return render_remote_pledge(cases.pledge(session, city, member, project, amount))

    return JSONResponse(await city.db.write(write), status_code=201)


async def withdraw(request: Request) -> Response:
    caller = await authenticated(request)
    city = city_of(request)
    public_id = request.path_params["pledge"]

    def write(session: Session) -> dict[str, Any]:
        member = session.get(Member, caller.id)
        assert member is not None
        return render_remote_pledge(cases.withdraw(session, city, member, public_id))

    return JSONResponse(await city.db.write(write))


ROUTES = [
    Route("/remote-pledges", list_mine, methods=["GET"]),
    Route("/remote-pledges", pledge, methods=["POST"]),
    Route("/remote-pledges/{pledge}/withdraw", withdraw, methods=["POST"]),
]
