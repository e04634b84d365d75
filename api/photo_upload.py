"""A photo sent over JSON (`{"data": base64, "alt": text}`): read, size-checked, decoded.

Listings and projects take photos the same way, so they share this reader and answer the
same codes: `photo_too_large` (413) before decoding when the body or the bytes pass the
city's `listings.max_photo_bytes`, `invalid_field` (400) for data that is not base64, and
exchange.photos' own refusals (`unsupported_photo`, `not_an_image`, `alt_required`,
`too_long`). The caller stores the prepared photo and removes it if its transaction fails.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from starlette.requests import Request

from exchange import photos
from exchange.errors import DomainError
from instance.city import City

from .errors import ApiError
from .params import field, json_object


def _too_large(limit: int) -> DomainError:
    return DomainError("photo_too_large", f"a photo is at most {limit // 1000} kB", 413)


def _photo_bytes(body: dict[str, Any], limit: int) -> bytes:
    encoded = field(body, "data", str)
    if len(encoded) > (limit * 4) // 3 + 8:
        raise _too_large(limit)
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, "invalid_field", "data must be the photo's bytes in base64") from None


async def read_photo(request: Request, city: City) -> photos.PreparedPhoto:
    """The request's photo, decoded and re-encoded without metadata (not stored yet)."""
    limit = city.settings.listings.max_photo_bytes
    raw = await request.body()
    if len(raw) > (limit * 4) // 3 + 64 * 1024:
        raise _too_large(limit)
    body = json_object(raw, {"alt", "data"})
    return photos.prepare(_photo_bytes(body, limit), body.get("alt"), max_bytes=limit)
