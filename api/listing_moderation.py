"""Moderating listings over JSON: the review queue, approve, reject, take down, hide and unhide.

Moderators and admins only. Each decision is logged (exchange/moderation.py) in the
transaction that makes it; approval and take-down federate (outbox/market.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import listings, moderation
from instance.city import city_of
from models import Member
from services import listings as market

from .auth import authenticated
from .market import listings_json, one_listing_json, optional_body
from .params import field, page_limit


async def _moderator(request: Request) -> Member:
    return moderation.check_moderator(await authenticated(request))


async def review_queue(request: Request) -> Response:
    who = await _moderator(request)
    city = city_of(request)
    limit = page_limit(request)

    def read(session: Session) -> dict[str, Any]:
        return {"listings": listings_json(session, city, moderation.review_queue(session, limit=limit), who)}

    return JSONResponse(await city.db.read(read))


def _decision(action: str) -> Any:
    async def endpoint(request: Request) -> Response:
        who = await _moderator(request)
        city = city_of(request)
        body = await optional_body(request, {"reason"})
        reason = field(body, "reason", str, required=False) or ""
        public_id = request.path_params["id"]

        def write(session: Session) -> dict[str, Any]:
            listing = listings.find(session, public_id)
            if action == "approve":
                market.approve(session, city, who, listing)
            elif action == "reject":
                market.reject(session, city, who, listing, reason)
            elif action == "take-down":
                market.take_down(session, city, who, listing, reason)
            elif action == "hide":
                moderation.hide(session, who, listing, reason)
            else:
                moderation.unhide(session, who, listing, reason)
            return one_listing_json(session, city, listing, who)

        answer = await city.db.write(write)
        return JSONResponse(answer)

    return endpoint


ACTIONS = ("approve", "reject", "take-down", "hide", "unhide")

ROUTES = [
    Route("/moderation/listings", review_queue, methods=["GET"]),
    *(Route(f"/moderation/listings/{{id}}/{action}", _decision(action), methods=["POST"]) for action in ACTIONS),
]
