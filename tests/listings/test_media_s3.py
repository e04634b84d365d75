"""Photos on S3-compatible storage (`[media] backend = "s3"`): stored in the bucket, served
(streamed by the app, or a redirect to the object store with `public_url`), deleted with the
listing's photo; a store that does not answer is refused clearly. moto on loopback (tests/s3.py).
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from sqlalchemy import select

from instance.media_s3 import S3MediaStore
from models import Listing, Role
from server.app import create_app

from ..live import free_port_socket
from ..s3 import S3
from ..web.conftest import add_member, logged_in
from .conftest import Market, image_bytes, photo_body


async def s3_city(market: Callable[..., Any], s3: S3, *, public: bool = False) -> Market:
    city: Market = await market(
        moderation={"listing_review": "after"}, media=s3.section(public=public)
    )
    for name in ("alice", "bob"):
        city.member(name)
    return city


async def post_photo(city: Market, listing: dict[str, Any], as_: str = "alice") -> httpx.Response:
    return await city.post(
        f"/listings/{listing['id']}/photos", photo_body(image_bytes(gps=True), "the bike"), as_=as_
    )


def local_files(city: Market) -> list[Path]:
    folder = city.settings.data_dir / "media"
    return list(folder.iterdir()) if folder.exists() else []


async def test_a_photo_posted_through_the_api_is_stored_in_the_bucket_not_on_disk(
    market: Callable[..., Any], s3: S3
) -> None:
    city = await s3_city(market, s3)
    answer = await post_photo(city, await city.listing())
    assert answer.status_code == 201, answer.text
    [photo] = answer.json()["photos"]
    name = photo["url"].rsplit("/", 1)[1]
    assert s3.names() == {name} and local_files(city) == []
    assert not Image.open(io.BytesIO(s3.get(name))).getexif().get_ifd(0x8825)


async def test_without_a_public_url_the_app_streams_the_object(
    market: Callable[..., Any], s3: S3
) -> None:
    city = await s3_city(market, s3)
    [photo] = (await post_photo(city, await city.listing())).json()["photos"]
    served = await city.http.get(photo["url"])
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.content == s3.get(photo["url"].rsplit("/", 1)[1])
    assert "immutable" in served.headers["cache-control"]


async def test_with_a_public_url_the_media_route_redirects_to_the_object_store(
    market: Callable[..., Any], s3: S3
) -> None:
    city = await s3_city(market, s3, public=True)
    [photo] = (await post_photo(city, await city.listing())).json()["photos"]
    name = photo["url"].rsplit("/", 1)[1]
    answer = await city.http.get(photo["url"])
    assert answer.status_code == 302
    assert answer.headers["location"] == f"{s3.endpoint}/{s3.bucket}/{name}"
    async with httpx.AsyncClient() as browser:
        fetched = await browser.get(answer.headers["location"])
    assert fetched.status_code == 200 and fetched.content == s3.get(name)
    assert fetched.headers["content-type"] == "image/jpeg"


async def test_a_photo_posted_through_one_web_process_is_served_by_another(
    market: Callable[..., Any], s3: S3, tmp_path: Path
) -> None:
    city = await s3_city(market, s3)
    [photo] = (await post_photo(city, await city.listing())).json()["photos"]
    elsewhere = dataclasses.replace(city.settings, data_dir=tmp_path / "another-host")
    other = create_app(elsewhere, run_worker=False, db=city.db)  # a second host, same database
    transport = httpx.ASGITransport(app=other)
    async with httpx.AsyncClient(transport=transport, base_url=city.settings.base_url) as second:
        served = await second.get(photo["url"])
    assert served.status_code == 200
    assert served.content == s3.get(photo["url"].rsplit("/", 1)[1])


async def test_a_missing_object_is_a_404(market: Callable[..., Any], s3: S3) -> None:
    city = await s3_city(market, s3)
    assert (await city.http.get(f"/media/{'0' * 32}.jpg")).status_code == 404
    assert (await city.http.get("/media/..%2Finstance.toml")).status_code == 404


async def test_removing_a_photo_deletes_its_object(market: Callable[..., Any], s3: S3) -> None:
    city = await s3_city(market, s3)
    listing = await city.listing()
    await post_photo(city, listing)
    assert len(s3.names()) == 1
    answer = await city.http.delete(
        f"/api/comptoir/v1/listings/{listing['id']}/photos/1", headers=city.auth("alice")
    )
    assert answer.status_code == 200 and answer.json()["photos"] == []
    assert s3.names() == set()


async def test_a_photo_refused_by_the_rules_leaves_no_object(
    market: Callable[..., Any], s3: S3
) -> None:
    city = await s3_city(market, s3)
    answer = await post_photo(city, await city.listing(), as_="bob")
    assert answer.status_code == 403
    assert s3.names() == set()


async def test_a_photo_posted_through_the_web_form_is_stored_in_the_bucket(
    in_process_city: Callable[..., Any], s3: S3
) -> None:
    app, _, _ = in_process_city(media=s3.section())
    add_member(app, "alice", role=Role.member)
    browser = await logged_in(app, "alice")
    token = await browser.form_token("/listings/new")
    form = {"csrf_token": token, "purpose": "offer", "title": "Bike repair", "price": "3.00"}
    form["alt1"] = "A bike on a stand"
    files = {"photo1": ("bike.jpg", image_bytes("JPEG"), "image/jpeg")}
    answer = await browser.client.post("/listings/new", data=form, files=files)
    await browser.client.aclose()
    assert answer.status_code == 303, answer.text
    listing = app.state.city.db.read_sync(lambda s: s.scalar(select(Listing)))
    assert s3.names() == {listing.photos[0]["file"]}


async def test_an_unreachable_store_refuses_the_photo_and_records_nothing(
    market: Callable[..., Any], s3: S3
) -> None:
    closed = f"http://127.0.0.1:{_closed_port()}"
    city = await s3_city(market, S3(closed, s3.bucket, s3.client))
    city.city.media = S3MediaStore(city.settings.media, max_attempts=1, connect_timeout=1)
    listing = await city.listing()
    answer = await post_photo(city, listing)
    assert answer.status_code == 503 and "photos cannot be stored" in answer.text
    assert "127.0.0.1" not in answer.text, "where the store is stays in the log"
    assert (await city.get(f"/listings/{listing['id']}", as_="alice")).json()["photos"] == []


async def test_a_photo_asked_for_while_the_store_is_down_is_a_503(
    market: Callable[..., Any], s3: S3
) -> None:
    city = await s3_city(market, s3)
    [photo] = (await post_photo(city, await city.listing())).json()["photos"]
    down = dataclasses.replace(city.settings.media, endpoint=f"http://127.0.0.1:{_closed_port()}")
    city.city.media = S3MediaStore(down, max_attempts=1, connect_timeout=1)
    answer = await city.http.get(photo["url"])
    assert answer.status_code == 503 and "127.0.0.1" not in answer.text


def _closed_port() -> int:
    sock = free_port_socket()
    port: int = sock.getsockname()[1]
    sock.close()
    return port
