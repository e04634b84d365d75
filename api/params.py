"""Reading API requests: JSON bodies, fields of a type, and the query parameters lists share.

Every refusal is an ApiError 400 naming the field, so a client learns what to fix.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from starlette.requests import Request

from exchange.ledger import day_range

from .errors import ApiError

#: history pages: default and largest page
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_BODY = 64 * 1024
#: imported domain lists and report bodies can be long
LARGE_BODY = 64 * MAX_BODY
_TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false", type(None): "null"}


def json_object(raw: bytes, allowed: set[str], *, empty: bool = False) -> dict[str, Any]:
    """The JSON object in `raw`; unknown fields are refused, so a typo is not silently ignored.

    With `empty`, an empty body counts as {} (actions without parameters)."""
    if empty and not raw.strip():
        return {}
    try:
        body = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "invalid_json", "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "the body must be a JSON object")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ApiError(400, "unknown_field", f"unknown field {unknown[0]!r}")
    return body


async def json_body(
    request: Request, allowed: set[str], *, empty: bool = False, max_bytes: int = MAX_BODY
) -> dict[str, Any]:
    """The request's JSON object (see `json_object`), refused with 413 past `max_bytes`."""
    raw = await request.body()
    if len(raw) > max_bytes:
        raise ApiError(413, "too_large", f"the body must be at most {max_bytes} bytes")
    return json_object(raw, allowed, empty=empty)


def field(
    body: dict[str, Any], name: str, kind: type | tuple[type, ...], *, required: bool = True
) -> Any:
    """One field of the body, of the given type(s); None when optional and absent."""
    if name not in body:
        if required:
            raise ApiError(400, "missing_field", f"{name} is required")
        return None
    value = body[name]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        expected = " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)
        raise ApiError(400, "invalid_field", f"{name} must be {expected}")
    return value


def page_limit(request: Request) -> int:
    text = request.query_params.get("limit")
    if text is None:
        return DEFAULT_LIMIT
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_LIMIT:
        raise ApiError(
            400, "invalid_parameter", f"limit must be a whole number from 1 to {MAX_LIMIT}"
        )
    return int(text)


def cursor(request: Request) -> int | None:
    """The opaque cursor a previous page returned as next_cursor (a row id, today)."""
    text = request.query_params.get("cursor")
    if text is None:
        return None
    if not (text.isascii() and text.isdigit()):
        raise ApiError(400, "invalid_cursor", "cursor must be a value returned as next_cursor")
    return int(text)


def date_range(request: Request) -> tuple[datetime | None, datetime | None]:
    """`from` and `to` (ISO dates, both included, UTC) as a half-open range of instants."""
    return day_range(request.query_params.get("from"), request.query_params.get("to"))
