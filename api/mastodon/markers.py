"""`/api/v1/markers`: the member's reading positions in `home` and `notifications`, as
Mastodon keeps them for Tusky, Elk and the web app (exchange/markers.py has the rules).

`GET` (`read:statuses`) answers the timelines asked (`timeline[]`), or every saved one when
none is asked; `POST` (`write:statuses`) takes a form (`home[last_read_id]=...`) or a JSON
body (`{"home": {"last_read_id": "..."}}`), saves, and answers the markers saved. An id that
is not a number is Mastodon's 422 `Validation failed: ...`, and nothing is saved.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import markers
from exchange.errors import DomainError
from instance.city import city_of

from . import entities
from .common import mastodon_errors, member_viewer

#: a body of two markers is small
MAX_BODY = 16_384


def rendered(found: list[markers.Position]) -> dict[str, Any]:
    """Mastodon's hash of Marker entities, by timeline."""
    return {
        p.timeline: {
            "last_read_id": str(p.last_read_id),
            "version": p.version,
            "updated_at": entities.iso(p.updated_at),
        }
        for p in found
    }


@mastodon_errors
async def index(request: Request) -> Response:
    member, _ = await member_viewer(request, "read:statuses")
    params = request.query_params
    asked = params.getlist("timeline[]") + params.getlist("timeline")

    def read(session: Session) -> dict[str, Any]:
        return rendered(markers.read(session, member, asked))

    return JSONResponse(await city_of(request).db.read(read))


def _bad_body() -> DomainError:
    return DomainError("invalid_marker", "Validation failed: the body is not a JSON object", 422)


async def _positions(request: Request) -> dict[str, str | None]:
    """timeline -> the `last_read_id` sent (None: the timeline named without one), from a
    JSON body (nested as Mastodon documents it, or `home[last_read_id]` keys) or a form."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise _bad_body()
        try:
            document = orjson.loads(raw or b"{}")
        except orjson.JSONDecodeError:
            raise _bad_body() from None
        if not isinstance(document, dict):
            raise _bad_body()
        found: dict[str, str | None] = {}
        for timeline in markers.TIMELINES:
            nested = document.get(timeline)
            flat = document.get(f"{timeline}[last_read_id]")
            if isinstance(nested, dict):
                value = nested.get("last_read_id")
                found[timeline] = None if value is None else str(value)
            elif flat is not None:
                found[timeline] = str(flat)
            elif timeline in document:
                found[timeline] = None
        return found
    form = await request.form()
    return {
        t: str(form[f"{t}[last_read_id]"]) if f"{t}[last_read_id]" in form else None
        for t in markers.TIMELINES
        if any(k == t or k.startswith(f"{t}[") for k in form)
    }


@mastodon_errors
async def save(request: Request) -> Response:
    member, _ = await member_viewer(request, "write:statuses")
    positions = await _positions(request)

    def write(session: Session) -> dict[str, Any]:
        return rendered(markers.save(session, member, positions))

    return JSONResponse(await city_of(request).db.write(write))


def routes() -> list[Route]:
    return [
        Route("/api/v1/markers", index, methods=["GET"]),
        Route("/api/v1/markers", save, methods=["POST"]),
    ]
