"""What every Mastodon client endpoint shares: errors, who is asking, paging and Link headers.

Errors are Mastodon's `{"error": "..."}` (`api.mastodon_admin.mastodon_errors`: a 400 of ours
is Mastodon's 422, a 404 says "Record not found"). Each endpoint names the scope Mastodon asks
for (`read:statuses`, `write:follows`...); `read`/`write`/`follow` cover them as on Mastodon
(exchange/oauth_scopes.py). Endpoints Mastodon serves without a token (an account, a public
status, the public timeline) take one when it is sent, and then check its scope.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from exchange.errors import DomainError, NotFound
from exchange.statuses import DEFAULT_LIMIT, MAX_LIMIT, Paging, Viewer
from instance.city import city_of
from models import Member
from services.oauth.requests import MAX_BODY, body_values

from ..auth import authenticated
from ..fast_json import FastJSONResponse
from ..mastodon_admin import mastodon_errors

Endpoint = Callable[[Request], Awaitable[Response]]

__all__ = [
    "Endpoint",
    "NotFound",
    "body",
    "int_id",
    "mastodon_errors",
    "member_viewer",
    "optional_viewer",
    "paged_response",
    "paging",
]


async def member_viewer(request: Request, scope: str) -> tuple[Member, Viewer]:
    """The calling member (a token covering `scope` is required) as a timeline viewer."""
    member = await authenticated(request, scope)
    return member, Viewer(member, city_of(request).urls.member(member.username))


async def optional_viewer(request: Request, scope: str) -> Viewer:
    """Nobody when no token is sent; otherwise the token's member, checked as usual."""
    if not request.headers.get("authorization"):
        return Viewer(None, None)
    return (await member_viewer(request, scope))[1]


#: the largest row id (ids are 32-bit integers on PostgreSQL): a larger one names nothing
MAX_ROW_ID = 2**31 - 1


def int_id(value: str) -> int:
    """A path id; anything but digits, or past any row id, is an unknown record (404), as on
    Mastodon (notifications' made-up status ids are past it on purpose)."""
    if not value.isdigit() or len(value) > 18 or int(value) > MAX_ROW_ID:
        raise NotFound("record")
    return int(value)


def _optional_int(request: Request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    if not value.isdigit() or len(value) > 18:
        raise DomainError("invalid_parameter", f"{name} must be a status id", 400)
    return min(int(value), MAX_ROW_ID)  # a bound past every row bounds nothing more


def paging(request: Request, default: int = DEFAULT_LIMIT, most: int = MAX_LIMIT) -> Paging:
    """`max_id`, `since_id`, `min_id`, `limit` (capped as Mastodon caps it)."""
    raw = request.query_params.get("limit", "")
    limit = int(raw) if raw.isdigit() else default
    return Paging(
        max_id=_optional_int(request, "max_id"),
        since_id=_optional_int(request, "since_id"),
        min_id=_optional_int(request, "min_id"),
        limit=max(1, min(limit, most)),
    )


def paged_response(request: Request, items: list[Any], ids: list[int]) -> Response:
    """The page with Mastodon's `Link` header: `next` (older, `max_id`) and `prev` (newer,
    `min_id`), built on the request's own URL and other parameters."""
    response = FastJSONResponse(items)
    if ids:
        kept = [
            (k, v)
            for k, v in request.query_params.multi_items()
            if k not in ("max_id", "since_id", "min_id")
        ]
        base = str(request.url.replace(query=""))
        newer = urlencode([*kept, ("min_id", str(ids[0]))])
        older = urlencode([*kept, ("max_id", str(ids[-1]))])
        response.headers["Link"] = f'<{base}?{older}>; rel="next", <{base}?{newer}>; rel="prev"'
    return response


async def body(request: Request) -> dict[str, list[str]]:
    """A form or JSON body (Mastodon apps send either) as name -> values; `x[]` is `x`."""
    found: dict[str, list[str]] = {}
    for key, value in await body_values(request):
        found.setdefault(key.removesuffix("[]"), []).append(value)
    return found


def first(values: dict[str, list[str]], name: str) -> str | None:
    got = values.get(name)
    return got[0] if got else None


def is_json(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() == (
        "application/json"
    )


async def json_object(request: Request) -> dict[str, Any]:
    """A JSON body that must be an object, as the endpoints with nested fields read it: 413
    past `MAX_BODY`, 422 for bad JSON or anything but an object."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise DomainError("too_large", "the body is too large", 413)
    try:
        document = await request.json()
    except ValueError:
        raise DomainError("invalid_json", "the body is not valid JSON", 422) from None
    if not isinstance(document, dict):
        raise DomainError("invalid_json", "the body must be a JSON object", 422)
    return document
