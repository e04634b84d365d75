"""The payer city's Settlement object: the decision record the payee's city may ask for.

Served only to the partner's instance actor, with a signed GET, whatever the authorized-fetch
setting: the terms and the decision of a payment are between the two cities. Past a hold's
expiry with no decision received, the payee's city fetches it and follows the
`settlementState` it reads: `committed`, `aborted` or `pending`.
"""

from __future__ import annotations

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from instance.city import city_of
from models import Settlement, SettlementRole

from .documents import activity_json, signed_fetch_signer
from .settlement_activities import render_settlement_state


async def settlement_document(request: Request) -> Response:
    city = city_of(request)
    public_id = request.path_params["public_id"]
    signer = await signed_fetch_signer(request)
    if isinstance(signer, Response):
        return signer
    row = await city.db.read(
        lambda s: s.scalar(
            select(Settlement).where(
                Settlement.public_id == public_id, Settlement.role == SettlementRole.payer
            )
        )
    )
    if row is None:
        return JSONResponse({"error": "no such settlement"}, status_code=404)
    if signer != row.partner:
        return JSONResponse(
            {"error": "a settlement is shown only to the partner city's instance actor"},
            status_code=403,
        )
    return activity_json(render_settlement_state(city, row))
