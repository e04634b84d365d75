"""Endpoints apps call at start-up that Comptoir has nothing behind yet, answered in
Mastodon's shapes so apps go on: markers, preferences, filters (v1 and v2), custom emojis,
lists. Each checks the scope Mastodon asks for, like a real endpoint would.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from instance.city import city_of

from .common import mastodon_errors, member_viewer


@mastodon_errors
async def markers(request: Request) -> Response:
    """No read positions are kept: `{}` (the timelines asked for have no marker)."""
    await member_viewer(request, "read:statuses")
    return JSONResponse({})


@mastodon_errors
async def save_markers(request: Request) -> Response:
    await member_viewer(request, "write:statuses")
    return JSONResponse({})


@mastodon_errors
async def preferences(request: Request) -> Response:
    await member_viewer(request, "read:accounts")
    return JSONResponse(
        {
            "posting:default:visibility": "public",
            "posting:default:sensitive": False,
            "posting:default:language": city_of(request).settings.language,
            "reading:expand:media": "default",
            "reading:expand:spoilers": False,
        }
    )


@mastodon_errors
async def filters(request: Request) -> Response:
    await member_viewer(request, "read:filters")
    return JSONResponse([])


@mastodon_errors
async def lists(request: Request) -> Response:
    await member_viewer(request, "read:lists")
    return JSONResponse([])


async def custom_emojis(request: Request) -> Response:
    """Public on Mastodon; the city has none."""
    return JSONResponse([])


def routes() -> list[Route]:
    return [
        Route("/api/v1/markers", markers, methods=["GET"]),
        Route("/api/v1/markers", save_markers, methods=["POST"]),
        Route("/api/v1/preferences", preferences, methods=["GET"]),
        Route("/api/v1/filters", filters, methods=["GET"]),
        Route("/api/v2/filters", filters, methods=["GET"]),
        Route("/api/v1/lists", lists, methods=["GET"]),
        Route("/api/v1/custom_emojis", custom_emojis, methods=["GET"]),
    ]
