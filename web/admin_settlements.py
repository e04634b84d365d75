"""The admin page of settlements with partner cities: those in flight and recent ones, their
states and refusal codes, and the latest statement comparison with each partner.

Admins only, read-only: forcing an outcome is `comptoir settlements resolve` (a disputed
resolution suspends the partnership, which deserves a deliberate command).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from exchange import partners, reconciliation, settlements
from instance.city import city_of
from instance.i18n import format_amount
from models import Settlement

from .admin_domains import staff
from .pages import render


def _line(row: Settlement) -> dict[str, Any]:
    return {
        "id": row.public_id,
        "role": row.role.value,
        "state": row.state.value,
        "partner": row.partner,
        "source": f"{format_amount(row.source_amount, row.source_scale)} {row.source_currency}",
        "target": f"{format_amount(row.target_amount, row.target_scale)} {row.target_currency}",
        "code": row.code,
        "disputed": row.disputed,
        "created_at": f"{row.created_at:%Y-%m-%d %H:%M}",
    }


def _read(session: Session) -> dict[str, Any]:
    rows = settlements.listing(session, limit=200)
    comparisons = [
        reconciliation.latest(session, p.partner) for p in partners.partnerships(session)
    ]
    return {
        "in_flight": [_line(r) for r in rows if r.state in settlements.OPEN],
        "recent": [_line(r) for r in rows if r.state not in settlements.OPEN],
        "comparisons": [
            {
                "partner": c.partner,
                "status": c.status,
                "checked_at": f"{c.checked_at:%Y-%m-%d %H:%M}",
                "differing": [line for line in c.differing.split("\n") if line],
            }
            for c in comparisons
            if c is not None
        ],
    }


async def settlements_page(request: Request) -> Response:
    member = await staff(request, admin_only=True)
    facts = await city_of(request).db.read(_read)
    return await render(request, "admin/settlements.html", member=member, **facts)


def routes() -> list[BaseRoute]:
    return [Route("/admin/settlements", settlements_page, methods=["GET"])]
