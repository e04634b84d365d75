"""GET of our listings as ActivityStreams: the Note while published, a 410 Tombstone once ended.

A listing that never federated (a draft, one waiting for review, one refused) does not exist
for other servers: 404. The activities around it (/activity, /announce, /updates/..., /delete)
are served by outbox.documents.activity_document from the outbound log.
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from exchange import listings
from instance.city import city_of
from models import Listing, Member

from . import render
from .documents import activity_json, signed_fetch_refusal
from .listings import render_listing


async def listing_document(request: Request) -> Response:
    refusal = await signed_fetch_refusal(request)
    if refusal is not None:
        return refusal
    city = city_of(request)
    uri = city.urls.listing(request.path_params["public_id"])

    def read(session: Session) -> tuple[Listing | None, Member | None]:
        listing = listings.by_uri(session, uri)
        if listing is None or not listing.is_local:
            return None, None
        return listing, session.get(Member, listing.member_id)

    listing, author = await city.db.read(read)
    if listing is None or author is None or listing.listed_at is None:
        return JSONResponse({"error": "no such listing"}, status_code=404)
    if listing.state in listings.ENDED:
        gone = render.tombstone(city.urls, uri, listing.ended_at, end_state=listing.state.value)
        return activity_json(gone, 410)
    return activity_json(render_listing(city, listing, author))
