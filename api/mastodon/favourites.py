"""`GET /api/v1/favourites` (the member's favourites, paged) and a status's
`/favourited_by` and `/reblogged_by` (exchange/status_reactions.py): lists apps open from
their menu and from a status's counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import status_reactions, statuses
from instance.city import city_of
from models import ReactionKind

from . import entities
from .common import (
    Endpoint,
    int_id,
    mastodon_errors,
    member_viewer,
    optional_viewer,
    paged_response,
    paging,
)


@mastodon_errors
async def index(request: Request) -> Response:
    _, viewer = await member_viewer(request, "read:favourites")
    city = city_of(request)
    page = paging(request)

    def read(session: Session) -> tuple[list[dict[str, Any]], list[int]]:
        found = status_reactions.favourites(session, viewer, page)
        shown = entities.statuses(session, city, [sid for _, sid in found], viewer.member)
        return shown, [rid for rid, _ in found]

    items, ids = await city.db.read(read)
    return paged_response(request, items, ids)


def _reactors(kind: ReactionKind) -> Endpoint:
    @mastodon_errors
    async def endpoint(request: Request) -> Response:
        """The accounts, without paging (at most `limit`, 40 by default, 80 at most); a
        status the caller may not see is 404; a reblog's own id lists its original's."""
        viewer = await optional_viewer(request, "read:accounts")
        city = city_of(request)
        status_id = int_id(request.path_params["id"])
        limit = paging(request, default=40, most=80).limit

        def read(session: Session) -> list[dict[str, Any]]:
            row = statuses.find_original(session, viewer, status_id)
            return [
                entities.account(city, who, entities.counts(session, city, who))
                for who in status_reactions.reactors(session, row, kind, limit)
            ]

        return JSONResponse(await city.db.read(read))

    return endpoint


def routes() -> list[Route]:
    return [
        Route("/api/v1/favourites", index, methods=["GET"]),
        Route(
            "/api/v1/statuses/{id}/favourited_by",
            _reactors(ReactionKind.favourite),
            methods=["GET"],
        ),
        Route(
            "/api/v1/statuses/{id}/reblogged_by", _reactors(ReactionKind.reblog), methods=["GET"]
        ),
    ]
