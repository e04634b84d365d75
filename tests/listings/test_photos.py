"""Photos: checked by decoding, stripped of EXIF by re-encoding, stored under data/media, served."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from exchange import photos
from exchange.errors import DomainError

from .conftest import Market, image_bytes, photo_body


def test_gps_exif_is_stripped_by_re_encoding() -> None:
    original = image_bytes(gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825), (
        "the test photo carries a GPS position"
    )
    prepared = photos.prepare(original, "a square", max_bytes=1_000_000)
    exif = Image.open(io.BytesIO(prepared.data)).getexif()
    assert not exif.get_ifd(0x8825) and 0x010F not in exif
    assert prepared.media_type == "image/jpeg" and (prepared.width, prepared.height) == (40, 30)


def test_the_type_comes_from_decoding_not_from_the_name() -> None:
    prepared = photos.prepare(image_bytes("WEBP"), "a square", max_bytes=1_000_000)
    assert (prepared.media_type, prepared.extension) == ("image/webp", "webp")


def test_an_animated_gif_becomes_a_png_of_its_first_frame() -> None:
    frames = [Image.new("RGB", (10, 10), colour) for colour in ("red", "blue")]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:])
    prepared = photos.prepare(out.getvalue(), "red", max_bytes=1_000_000)
    assert prepared.media_type == "image/png"
    assert Image.open(io.BytesIO(prepared.data)).convert("RGB").getpixel((0, 0)) == (255, 0, 0)


def test_a_format_we_do_not_serve_is_refused() -> None:
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="BMP")
    with pytest.raises(DomainError) as refused:
        photos.prepare(out.getvalue(), "a bitmap", max_bytes=1_000_000)
    assert refused.value.code == "unsupported_photo"


def test_too_many_pixels_are_refused_before_decoding() -> None:
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, format="PNG")
    with pytest.raises(DomainError) as refused:
        photos.prepare(out.getvalue(), "huge", max_bytes=10_000_000)
    assert refused.value.code == "photo_too_large"


async def test_an_uploaded_photo_is_stored_and_served(city: Market) -> None:
    listing = await city.listing()
    answer = await city.post(
        f"/listings/{listing['id']}/photos",
        photo_body(image_bytes(gps=True), "the bike"),
        as_="alice",
    )
    assert answer.status_code == 201, answer.text
    [photo] = answer.json()["photos"]
    assert (photo["alt"], photo["media_type"]) == ("the bike", "image/jpeg")
    served = await city.http.get(photo["url"])
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert not Image.open(io.BytesIO(served.content)).getexif().get_ifd(0x8825)
    assert city.rows()["media_files"] == 1


async def test_removing_a_photo_deletes_its_file(city: Market) -> None:
    listing = await city.listing()
    await city.post(f"/listings/{listing['id']}/photos", photo_body(image_bytes()), as_="alice")
    answer = await city.http.delete(
        f"/api/comptoir/v1/listings/{listing['id']}/photos/1", headers=city.auth("alice")
    )
    assert answer.status_code == 200 and answer.json()["photos"] == []
    assert city.rows()["media_files"] == 0


async def test_a_photo_of_someone_elses_listing_is_refused_and_its_file_removed(
    city: Market,
) -> None:
    listing = await city.listing()
    answer = await city.post(
        f"/listings/{listing['id']}/photos", photo_body(image_bytes()), as_="bob"
    )
    assert answer.status_code == 403
    assert city.rows()["media_files"] == 0


async def test_a_media_name_outside_the_pattern_is_not_served(city: Market) -> None:
    assert (await city.http.get("/media/..%2Finstance.toml")).status_code == 404
    assert (await city.http.get("/media/secret.txt")).status_code == 404
