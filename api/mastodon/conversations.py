"""`/api/v1/conversations`: the member's negotiations as Mastodon's direct conversations.

Each negotiation thread is one conversation with the counterpart (a member of this city or
a remote account); its statuses are the offers, counter-offers and messages
(`thread_statuses.py`), the last of which is `last_status`. `unread` is true when the other
party said something after the member last read the thread (`POST .../read`, or writing in
it); `DELETE` takes it out of the list until something newer happens in it. Neither touches
the negotiation. Paged by conversation id, newest activity first, with a `Link` header.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import negotiation_conversations as conversations
from instance.city import city_of

from . import thread_statuses
from .common import int_id, mastodon_errors, member_viewer, paged_response, paging


@mastodon_errors
async def index(request: Request) -> Response:
    member, _ = await member_viewer(request, "read:statuses")
    city = city_of(request)
    page = paging(request)

    def read(session: Session) -> tuple[list[dict[str, Any]], list[int]]:
        found = conversations.page(session, member, page)
        shown = [thread_statuses.conversation(session, city, c) for c in found]
        return shown, [c.negotiation.id for c in found]

    items, ids = await city.db.read(read)
    return paged_response(request, items, ids)


@mastodon_errors
async def remove(request: Request) -> Response:
    member, _ = await member_viewer(request, "write:conversations")
    nid = int_id(request.path_params["id"])

    def write(session: Session) -> None:
        conversations.remove(session, member, conversations.find(session, member, nid))

    await city_of(request).db.write(write)
    return JSONResponse({})


@mastodon_errors
async def mark_read(request: Request) -> Response:
    member, _ = await member_viewer(request, "write:conversations")
    city = city_of(request)
    nid = int_id(request.path_params["id"])

    def write(session: Session) -> dict[str, Any]:
        negotiation = conversations.find(session, member, nid)
        conversations.mark_read(session, member, negotiation)
        found = conversations.conversation(session, member, negotiation)
        return thread_statuses.conversation(session, city, found)

    return JSONResponse(await city.db.write(write))


def routes() -> list[Route]:
    return [
        Route("/api/v1/conversations", index, methods=["GET"]),
        Route("/api/v1/conversations/{id}", remove, methods=["DELETE"]),
        Route("/api/v1/conversations/{id}/read", mark_read, methods=["POST"]),
    ]
