"""Media upload from apps: `POST /api/v2/media` with alt text, `GET`/`PUT /api/v1/media/{id}`,
attached to a status with `media_ids` and shown as MediaAttachment; the photo checks and
storage of listings (local disk and S3), with Mastodon's 413 and 422."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import httpx
from PIL import Image
from sqlalchemy import select

from models import Note, OutboundActivity

from ..listings.conftest import image_bytes
from ..s3 import S3
from .mastodon_city import Masto

#: the fields Mastodon documents for a MediaAttachment (entities/MediaAttachment)
MEDIA_FIELDS = {
    "id",
    "type",
    "url",
    "preview_url",
    "remote_url",
    "meta",
    "description",
    "blurhash",
}


async def _upload(
    masto: Masto, who: str, data: bytes, description: str | None = "An orange square"
) -> httpx.Response:
    fields = {"description": description} if description is not None else {}
    return await masto.http.post(
        "/api/v2/media",
        files={"file": ("photo.png", data, "image/png")},
        data=fields,
        headers=masto.auth(who),
    )


async def test_an_upload_is_a_media_attachment_with_its_alt_text(masto: Masto) -> None:
    answer = await _upload(masto, "alice", image_bytes(size=(40, 30)))
    assert answer.status_code == 200, answer.text
    media = answer.json()
    assert MEDIA_FIELDS <= set(media)
    assert media["type"] == "image"
    assert media["description"] == "An orange square"
    assert media["meta"]["original"]["width"] == 40
    served = await masto.http.get(media["url"])
    assert served.status_code == 200
    assert Image.open(io.BytesIO(served.content)).size == (40, 30)
    again = await masto.get(f"/api/v1/media/{media['id']}", "alice")
    assert again.json() == media
    assert (await masto.get(f"/api/v1/media/{media['id']}", "bob")).status_code == 404


async def test_a_status_carries_its_photos_and_federates_them(masto: Masto) -> None:
    media = (await _upload(masto, "alice", image_bytes())).json()
    status = await masto.status("alice", "My bike", media_ids=[media["id"]])
    (shown,) = status["media_attachments"]
    assert MEDIA_FIELDS <= set(shown)
    assert shown["url"] == media["url"]
    assert shown["description"] == "An orange square"
    bodies = masto.db.read_sync(
        lambda s: list(
            s.scalars(select(OutboundActivity.body).where(OutboundActivity.type == "Create"))
        )
    )
    assert any(
        '"name": "An orange square"' in b or '"name":"An orange square"' in b for b in bodies
    )
    reused = await masto.post("/api/v1/statuses", "alice", status="again", media_ids=[media["id"]])
    assert reused.status_code == 422


async def test_a_photo_is_posted_only_with_alt_text(masto: Masto) -> None:
    media = (await _upload(masto, "alice", image_bytes(), description=None)).json()
    assert media["description"] is None
    refused = await masto.post("/api/v1/statuses", "alice", status="x", media_ids=[media["id"]])
    assert refused.status_code == 422
    assert "alt text" in refused.json()["error"]
    assert masto.db.read_sync(lambda s: s.scalar(select(Note.id))) is None
    described = await masto.http.put(
        f"/api/v1/media/{media['id']}",
        data={"description": "A red bike"},
        headers=masto.auth("alice"),
    )
    assert described.json()["description"] == "A red bike"
    status = await masto.status("alice", "", media_ids=[media["id"]])
    assert status["media_attachments"][0]["description"] == "A red bike"


async def test_an_oversized_file_is_413(in_process_city: Callable[..., Any]) -> None:
    app, _, http = in_process_city(listings={"max_photo_bytes": 10_000})
    masto = Masto(app, http)
    masto.member("alice")
    noise = Image.effect_noise((300, 300), 80).convert("RGB")
    out = io.BytesIO()
    noise.save(out, format="PNG")
    assert len(out.getvalue()) > 10_000
    answer = await _upload(masto, "alice", out.getvalue())
    assert answer.status_code == 413
    assert "error" in answer.json()


async def test_a_file_that_is_no_supported_image_is_422(masto: Masto) -> None:
    answer = await _upload(masto, "alice", b"%PDF-1.4 not a photo")
    assert answer.status_code == 422
    assert "error" in answer.json()
    bmp = image_bytes(kind="BMP")
    assert (await _upload(masto, "alice", bmp)).status_code == 422


async def test_uploads_need_the_media_scope(masto: Masto) -> None:
    reader = await masto.scoped_token("alice", "read")
    masto.tokens["reader"] = reader
    assert (await _upload(masto, "reader", image_bytes())).status_code == 403


async def test_uploads_go_to_the_bucket_with_s3(
    in_process_city: Callable[..., Any], s3: S3
) -> None:
    app, _, http = in_process_city(media=s3.section())
    masto = Masto(app, http)
    masto.member("alice")
    media = (await _upload(masto, "alice", image_bytes())).json()
    name = media["url"].rsplit("/", 1)[1]
    assert s3.names() == {name}
    status = await masto.status("alice", "from the bucket", media_ids=[media["id"]])
    assert status["media_attachments"][0]["url"] == media["url"]
