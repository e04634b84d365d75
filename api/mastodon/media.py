"""Media upload for Mastodon apps: `POST /api/v2/media` (and v1), `GET`/`PUT /api/v1/media/{id}`.

The file goes through the same checks and storage as a listing's photos (exchange/photos.py:
decoded by Pillow, only JPEG, PNG, WebP or GIF, at most `listings.max_photo_bytes` and 40
megapixels, re-encoded without metadata, in the city's media store, local or S3): an
oversized file is Mastodon's 413, a file that is not such an image 422, each `{"error"}`.
The upload is ready at once (200, never 202: nothing is processed later). Alt text is the
`description`, given with the upload or by `PUT` afterwards; a photo is posted only with
one (exchange/media_attachments.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import media_attachments, photos
from exchange.errors import DomainError
from instance.city import City, city_of
from instance.media_store import in_thread
from models import MediaAttachment

from .common import body, first, int_id, mastodon_errors, member_viewer

#: room for the form's other fields and the multipart framing around the file
FORM_OVERHEAD = 64 * 1024


def entity(city: City, row: MediaAttachment) -> dict[str, Any]:
    """Mastodon's MediaAttachment of an upload."""
    url = city.urls.media(row.file)
    size = {
        "width": row.width,
        "height": row.height,
        "size": f"{row.width}x{row.height}",
        "aspect": round(row.width / row.height, 4) if row.height else None,
    }
    return {
        "id": str(row.id),
        "type": "image",
        "url": url,
        "preview_url": url,
        "remote_url": None,
        "preview_remote_url": None,
        "text_url": None,
        "meta": {"original": size, "small": size},
        "description": row.description or None,
        "blurhash": None,
    }


def _too_large(limit: int) -> DomainError:
    return DomainError("photo_too_large", f"File size must be less than {limit // 1000} kB", 413)


async def _file_bytes(request: Request, limit: int) -> tuple[bytes, str | None]:
    """The uploaded file (read no further than the limit) and the description field."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + FORM_OVERHEAD:
        raise _too_large(limit)
    form = await request.form(max_files=1, max_fields=20)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise DomainError("unprocessable", "Validation failed: File can't be blank", 422)
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit)
    description = form.get("description")
    return data, description if isinstance(description, str) else None


@mastodon_errors
async def upload(request: Request) -> Response:
    member, _ = await member_viewer(request, "write:media")
    city = city_of(request)
    limit = city.settings.listings.max_photo_bytes
    data, description = await _file_bytes(request, limit)
    prepared = photos.prepare(data, description, max_bytes=limit, alt_required=False)
    name = await in_thread(photos.store, prepared, city.media)

    def write(session: Session) -> dict[str, Any]:
        return entity(city, media_attachments.record(session, member, name, prepared))

    try:
        answer = await city.db.write(write)
    except BaseException:
        await in_thread(photos.remove, city.media, name)
        raise
    return JSONResponse(answer)


@mastodon_errors
async def show(request: Request) -> Response:
    member, _ = await member_viewer(request, "write:media")
    city = city_of(request)
    media_id = int_id(request.path_params["id"])

    def read(session: Session) -> dict[str, Any]:
        return entity(city, media_attachments.own(session, member, media_id))

    return JSONResponse(await city.db.read(read))


@mastodon_errors
async def update(request: Request) -> Response:
    member, _ = await member_viewer(request, "write:media")
    city = city_of(request)
    media_id = int_id(request.path_params["id"])
    values = await body(request)

    def write(session: Session) -> dict[str, Any]:
        row = media_attachments.own(session, member, media_id)
        description = first(values, "description")
        if description is not None:
            media_attachments.describe(row, description)
        return entity(city, row)

    return JSONResponse(await city.db.write(write))


def routes() -> list[Route]:
    return [
        Route("/api/v2/media", upload, methods=["POST"]),
        Route("/api/v1/media", upload, methods=["POST"]),
        Route("/api/v1/media/{id}", show, methods=["GET"]),
        Route("/api/v1/media/{id}", update, methods=["PUT"]),
    ]
