"""GET of a poll's Question: what a remote server fetches to show the poll and its counts (the
counts only when they are public, outbox/polls.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from exchange import polls
from exchange.errors import NotFound
from instance.city import city_of

from .documents import activity_json, signed_fetch_refusal
from .polls import render_question


async def question_document(request: Request) -> Response:
    refusal = await signed_fetch_refusal(request)
    if refusal is not None:
        return refusal
    city = city_of(request)

    def read(session: Session) -> dict[str, Any] | None:
        try:
            poll = polls.find(session, request.path_params["public_id"])
        except NotFound:
            return None
        space = polls.space_of(session, poll)
        return render_question(city.urls, space, poll, polls.tally(session, poll))

    document = await city.db.read(read)
    if document is None:
        return JSONResponse({"error": "no such poll"}, status_code=404)
    return activity_json(document)
