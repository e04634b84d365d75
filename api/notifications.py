"""A member's notifications over JSON: read them newest first, mark them read."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import notifications
from instance.city import city_of
from models import Listing, Negotiation, Notification

from .auth import authenticated
from .errors import ApiError
from .market import optional_body
from .params import cursor, field, page_limit


def _public_ids(
    session: Session, rows: list[Notification]
) -> tuple[dict[int, str], dict[int, str]]:
    listing_ids = {n.listing_id for n in rows if n.listing_id}
    thread_ids = {n.negotiation_id for n in rows if n.negotiation_id}
    found_listings = (
        dict(
            session.execute(
                select(Listing.id, Listing.public_id).where(Listing.id.in_(listing_ids))
            ).all()
        )
        if listing_ids
        else {}
    )
    found_threads = (
        dict(
            session.execute(
                select(Negotiation.id, Negotiation.public_id).where(Negotiation.id.in_(thread_ids))
            ).all()
        )
        if thread_ids
        else {}
    )
    return found_listings, found_threads


async def list_notifications(request: Request) -> Response:
    who = await authenticated(request)
    city = city_of(request)
    limit, before = page_limit(request), cursor(request)
    unread_only = request.query_params.get("unread") in ("true", "1")

    def read(session: Session) -> dict[str, Any]:
        rows = notifications.page(
            session, who, limit=limit + 1, before=before, unread_only=unread_only
        )
        page = rows[:limit]
        found_listings, found_threads = _public_ids(session, page)
        return {
            "notifications": [
                {
                    "id": str(n.id),
                    "kind": n.kind.value,
                    "text": n.text,
                    "listing": found_listings.get(n.listing_id) if n.listing_id else None,
                    "negotiation": found_threads.get(n.negotiation_id)
                    if n.negotiation_id
                    else None,
                    "created_at": n.created_at.isoformat(),
                    "read": n.read_at is not None,
                }
                for n in page
            ],
            "unread": notifications.unread_count(session, who),
            "next_cursor": str(page[-1].id) if len(rows) > limit else None,
        }

    return JSONResponse(await city.db.read(read))


async def mark_read(request: Request) -> Response:
    who = await authenticated(request)
    city = city_of(request)
    body = await optional_body(request, {"up_to"})
    up_to = field(body, "up_to", str, required=False)
    if up_to is not None and not (up_to.isascii() and up_to.isdigit()):
        raise ApiError(400, "invalid_field", "up_to must be a notification id")

    def write(session: Session) -> dict[str, int]:
        marked = notifications.mark_read(session, who, up_to=int(up_to) if up_to else None)
        return {"marked": marked, "unread": notifications.unread_count(session, who)}

    return JSONResponse(await city.db.write(write))


ROUTES = [
    Route("/notifications", list_notifications, methods=["GET"]),
    Route("/notifications/read", mark_read, methods=["POST"]),
]
