"""Content negotiation at ActivityPub ids: AS2 JSON for servers, HTML for browsers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

Endpoint = Callable[[Request], Awaitable[Response]]


def wants_activity_json(request: Request) -> bool:
    """True for `application/activity+json` and `application/ld+json` (with or without profile)."""
    accept = request.headers.get("accept", "")
    return "application/activity+json" in accept or "application/ld+json" in accept


def negotiated(activity_json: Endpoint, html: Endpoint) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        response = await (activity_json if wants_activity_json(request) else html)(request)
        response.headers["Vary"] = "Accept"
        return response

    return endpoint
