"""Pins: `POST /api/v1/statuses/{id}/pin` and `/unpin` (`write:accounts`, as Mastodon).

The member's own public or unlisted statuses only, five at most (exchange/status_pins.py:
Mastodon's 422 messages); a pin or unpin of a note or listing is an `Add` or `Remove` to
the member's `featured` collection, sent to their followers (services/pins.py). An
account's pins are read with `GET /api/v1/accounts/{id}/statuses?pinned=true`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import statuses
from exchange.errors import NotFound
from instance.city import city_of
from models import Member
from services import pins

from . import entities
from .common import Endpoint, int_id, mastodon_errors, member_viewer


def _change(*, pinned: bool) -> Endpoint:
    @mastodon_errors
    async def endpoint(request: Request) -> Response:
        """The status after the change (`pinned` true or false); a status the member may
        not see is 404, someone else's or a boost 422."""
        member, viewer = await member_viewer(request, "write:accounts")
        city = city_of(request)
        sid = int_id(request.path_params["id"])

        def write(session: Session) -> dict[str, Any]:
            row = statuses.find(session, viewer, sid)
            fresh = session.get(Member, member.id)
            assert fresh is not None
            if pinned:
                pins.pin(session, city, fresh, row)
            else:
                pins.unpin(session, city, fresh, row)
            found = entities.statuses(session, city, [sid], viewer.member)
            if not found:
                raise NotFound("status")
            return found[0]

        return JSONResponse(await city.db.write(write))

    return endpoint


def routes() -> list[Route]:
    return [
        Route("/api/v1/statuses/{id}/pin", _change(pinned=True), methods=["POST"]),
        Route("/api/v1/statuses/{id}/unpin", _change(pinned=False), methods=["POST"]),
    ]
