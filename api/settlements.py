"""Cross-city settlements over JSON: the admin's list and detail, and the row a thread shows.

`GET /settlements` (admin) lists settlements newest first, `?state=` filters; `GET
/settlements/{id}` shows one, with its refusal code, whether an admin forced it (`disputed`)
and the partner city. The OpenAPI description of these routes is `settlements_spec.SECTION`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import partners, reconciliation, settlements
from instance.amounts import format_amount
from instance.city import city_of
from models import Reconciliation, Settlement, SettlementState

from .auth import admin
from .errors import ApiError
from .params import page_limit


def settlement_json(row: Settlement) -> dict[str, Any]:
    return {
        "id": row.public_id,
        "uri": row.uri,
        "role": row.role.value,
        "state": row.state.value,
        "partner": row.partner,
        "agreement": row.agreement_uri,
        "payer": row.payer,
        "payee": row.payee,
        "source": {
            "amount": format_amount(row.source_amount, row.source_scale),
            "currency": row.source_currency,
        },
        "target": {
            "amount": format_amount(row.target_amount, row.target_scale),
            "currency": row.target_currency,
        },
        "fee": format_amount(row.fee_amount, row.source_scale),
        "rule": row.rule,
        "rule_hash": row.rule_hash,
        "expires_at": row.expires_at.isoformat() if row.expires_at else None,
        "decision_deadline": row.decision_deadline.isoformat() if row.decision_deadline else None,
        "code": row.code or None,
        "reason": row.reason or None,
        "temporary": row.temporary,
        "disputed": row.disputed,
        "created_at": row.created_at.isoformat(),
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
    }


async def list_settlements(request: Request) -> Response:
    await admin(request)
    text = request.query_params.get("state")
    state = None
    if text is not None:
        try:
            state = SettlementState(text)
        except ValueError:
            choices = ", ".join(s.value for s in SettlementState)
            raise ApiError(400, "invalid_parameter", f"state must be one of {choices}") from None
    limit = page_limit(request)
    rows = await city_of(request).db.read(
        lambda s: settlements.listing(s, state=state, limit=limit)
    )
    return JSONResponse({"settlements": [settlement_json(row) for row in rows]})


async def get_settlement(request: Request) -> Response:
    await admin(request)
    public_id = request.path_params["id"]
    row = await city_of(request).db.read(lambda s: settlements.find(s, public_id))
    return JSONResponse(settlement_json(row))


def reconciliation_json(row: Reconciliation) -> dict[str, Any]:
    return {
        "partner": row.partner,
        "status": row.status,
        "checked_at": row.checked_at.isoformat(),
        "our_count": row.our_count,
        "their_count": row.their_count,
        "our_hash": row.our_hash,
        "their_hash": row.their_hash,
        "differing": [line for line in row.differing.split("\n") if line],
        "detail": row.detail,
    }


async def list_reconciliations(request: Request) -> Response:
    """The latest comparison with each partner: OK, ALERT, KO (with the differing ids), STALE."""
    await admin(request)

    def read(session: Session) -> list[dict[str, Any]]:
        found = (reconciliation.latest(session, p.partner) for p in partners.partnerships(session))
        return [reconciliation_json(row) for row in found if row is not None]

    return JSONResponse({"reconciliations": await city_of(request).db.read(read)})


ROUTES = [
    Route("/settlements", list_settlements, methods=["GET"]),
    Route("/settlements/reconciliations", list_reconciliations, methods=["GET"]),
    Route("/settlements/{id}", get_settlement, methods=["GET"]),
]
