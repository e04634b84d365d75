"""The payer city's Settlement object (the decision record the payee's city may ask for), and
our statement of the settlements committed with a partner (for its reconciliation).

Served only to the partner's instance actor, with a signed GET, whatever the authorized-fetch
setting: the terms and the decision of a payment are between the two cities. Past a hold's
expiry with no decision received, the payee's city fetches it and follows the
`settlementState` it reads: `committed`, `aborted` or `pending`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from exchange import partners, reconciliation
from instance.city import city_of
from models import Settlement, SettlementRole

from . import render
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


async def statement_document(request: Request) -> Response:
    """Our statement of the settlements committed with the signing city (its instance actor
    only: a partner asks for its own statement, and nobody else may read it).
    """
    city = city_of(request)
    signer = await signed_fetch_signer(request)
    if isinstance(signer, Response):
        return signer

    def read(session: Session) -> dict[str, Any] | None:
        if partners.by_partner(session, signer) is None:
            return None
        return reconciliation.statement(session, signer).as_json()

    body = await city.db.read(read)
    if body is None:
        return JSONResponse(
            {"error": "statements are shown only to a partner city's instance actor"},
            status_code=403,
        )
    return activity_json(
        {
            "@context": render.context(city.urls, comptoir=True),
            "id": statement_url(city.urls.base),
            "type": "SettlementStatement",
            "attributedTo": city.urls.instance_actor,
            "partner": signer,
            **body,
        }
    )


def statement_url(base: str) -> str:
    return f"{base}/statements/settlements"
