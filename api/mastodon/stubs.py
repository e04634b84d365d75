"""Endpoints apps call at start-up or on their main screens that Comptoir has nothing behind
yet, answered in Mastodon's shapes so apps go on: preferences,
custom emojis, endorsements, scheduled statuses, familiar
followers, the notification policy and requests, translation languages. Each checks the
scope Mastodon asks for, like a real endpoint would: an app told "403" or "401" here learns
what it would be told by Mastodon. Tusky and Elk call these (docs/MASTODON_API.md); a 404
made Tusky show an error on its main screens and Elk leave its explore page empty with a
warning.
"""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from instance.city import city_of

from .common import Endpoint, int_id, mastodon_errors, member_viewer


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


async def custom_emojis(request: Request) -> Response:
    """Public on Mastodon; the city has none."""
    return JSONResponse([])


def _empty_list(scope: str) -> Endpoint:
    """An endpoint of a member's (a token covering `scope`) that has nothing: `[]`."""

    @mastodon_errors
    async def endpoint(request: Request) -> Response:
        await member_viewer(request, scope)
        return JSONResponse([])

    return endpoint


@mastodon_errors
async def familiar_followers(request: Request) -> Response:
    """One entry per account asked (`id[]` in the query, or `id` in a JSON body as
    Mastodon.py sends it), none of whose followers the member follows: members of one city
    do not follow each other, and remote followers are not listed."""
    await member_viewer(request, "read:follows")
    asked = request.query_params.getlist("id[]") or request.query_params.getlist("id")
    if not asked and request.headers.get("content-type", "").startswith("application/json"):
        asked = await _json_ids(request)
    ids = [str(int_id(i)) for i in asked[:MAX_IDS]]
    return JSONResponse([{"id": i, "accounts": []} for i in ids])


async def _json_ids(request: Request) -> list[str]:
    """`id` of a JSON body sent with a GET (which the form and JSON reader leaves alone)."""
    raw = await request.body()
    try:
        document = orjson.loads(raw) if len(raw) <= MAX_JSON_BODY else None
    except orjson.JSONDecodeError:
        document = None
    value = document.get("id") if isinstance(document, dict) else None
    values = value if isinstance(value, list) else [value] if value is not None else []
    return [str(v) for v in values][:MAX_IDS]


@mastodon_errors
async def notification_policy(request: Request) -> Response:
    """Mastodon 4.3's notification policy (v2): everything is accepted, nothing is waiting
    (Comptoir filters no notifications)."""
    await member_viewer(request, "read:notifications")
    return JSONResponse(
        {
            "for_not_following": "accept",
            "for_not_followers": "accept",
            "for_new_accounts": "accept",
            "for_private_mentions": "accept",
            "for_limited_accounts": "accept",
            "summary": {"pending_requests_count": 0, "pending_notifications_count": 0},
        }
    )


async def translation_languages(_: Request) -> Response:
    """No translation service: no language pairs."""
    return JSONResponse({})


#: a GET's JSON body is small (a list of ids)
MAX_JSON_BODY = 16_384
#: accounts asked at once, as Mastodon caps them
MAX_IDS = 40

#: (path, scope) of the member's lists that are always empty here
EMPTY_LISTS = (
    ("/api/v1/endorsements", "read:accounts"),
    ("/api/v1/scheduled_statuses", "read:statuses"),
    ("/api/v1/notifications/requests", "read:notifications"),
)


def routes() -> list[Route]:
    return [
        *(Route(path, _empty_list(scope), methods=["GET"]) for path, scope in EMPTY_LISTS),
        Route("/api/v1/accounts/familiar_followers", familiar_followers, methods=["GET"]),
        Route("/api/v2/notifications/policy", notification_policy, methods=["GET"]),
        Route("/api/v1/instance/translation_languages", translation_languages, methods=["GET"]),
        Route("/api/v1/preferences", preferences, methods=["GET"]),
        Route("/api/v1/custom_emojis", custom_emojis, methods=["GET"]),
    ]
