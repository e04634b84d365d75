"""Bookmarks: `POST /api/v1/statuses/{id}/bookmark` and `/unbookmark` (`write:bookmarks`),
`GET /api/v1/bookmarks` (`read:bookmarks`, paged by bookmark with a `Link` header).

Private to the member (exchange/status_bookmarks.py): nothing federates. A reblog's id
bookmarks its original, as favouriting it does (`statuses.find_original`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import status_bookmarks, statuses
from exchange.errors import NotFound
from instance.city import city_of

from . import entities
from .common import int_id, mastodon_errors, member_viewer, paged_response, paging


@mastodon_errors
async def index(request: Request) -> Response:
    _, viewer = await member_viewer(request, "read:bookmarks")
    city = city_of(request)
    page = paging(request)

    def read(session: Session) -> tuple[list[dict[str, Any]], list[int]]:
        found = status_bookmarks.bookmarks(session, viewer, page)
        shown = entities.statuses(session, city, [sid for _, sid in found], viewer.member)
        return shown, [bid for bid, _ in found]

    items, ids = await city.db.read(read)
    return paged_response(request, items, ids)


@mastodon_errors
async def bookmark(request: Request) -> Response:
    """The status, now `bookmarked`; a status the member may not see is 404."""
    member, viewer = await member_viewer(request, "write:bookmarks")
    city = city_of(request)
    sid = int_id(request.path_params["id"])

    def write(session: Session) -> dict[str, Any]:
        original = statuses.find_original(session, viewer, sid).status.id
        status_bookmarks.bookmark(session, member, original)
        return entities.statuses(session, city, [original], viewer.member)[0]

    return JSONResponse(await city.db.write(write))


@mastodon_errors
async def unbookmark(request: Request) -> Response:
    """The status, no longer `bookmarked`. A bookmarked status the member may no longer
    see can still be taken out of the list (as on Mastodon, which finds it by the
    bookmark); any other status the member may not see is 404."""
    member, viewer = await member_viewer(request, "write:bookmarks")
    city = city_of(request)
    sid = int_id(request.path_params["id"])

    def write(session: Session) -> dict[str, Any]:
        try:
            target = statuses.find_original(session, viewer, sid).status.id
        except NotFound:
            if not status_bookmarks.unbookmark(session, member, sid):
                raise
            target = sid
        status_bookmarks.unbookmark(session, member, target)
        found = entities.statuses(session, city, [target], viewer.member)
        if not found:  # its author is gone
            raise NotFound("status")
        return found[0]

    return JSONResponse(await city.db.write(write))


def routes() -> list[Route]:
    return [
        Route("/api/v1/bookmarks", index, methods=["GET"]),
        Route("/api/v1/statuses/{id}/bookmark", bookmark, methods=["POST"]),
        Route("/api/v1/statuses/{id}/unbookmark", unbookmark, methods=["POST"]),
    ]
