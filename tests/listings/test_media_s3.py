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
import pytest
from PIL import Image
from sqlalchemy import select

from instance.media_s3 import S3MediaStore, credentials_from_env
from instance.settings import ConfigError, MediaSettings, load_settings
from models import Listing, Role
from server.app import build_city, create_app

from ..cli import comptoir
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


# ------------------------------------------------------------------ configuration


def test_the_keys_come_from_comptoir_variables_before_aws_ones() -> None:
    environ = {
        "COMPTOIR_S3_ACCESS_KEY_ID": "ours",
        "COMPTOIR_S3_SECRET_ACCESS_KEY": "our-secret",
        "AWS_ACCESS_KEY_ID": "theirs",
        "AWS_SECRET_ACCESS_KEY": "their-secret",
    }
    assert credentials_from_env(environ) == ("ours", "our-secret", None)
    assert credentials_from_env({"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"})[0] == "a"


def test_s3_without_keys_in_the_environment_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as refused:
        S3MediaStore(MediaSettings(backend="s3", bucket="photos"), environ={})
    assert "COMPTOIR_S3_ACCESS_KEY_ID" in str(refused.value)


def test_half_a_key_pair_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as refused:
        S3MediaStore(
            MediaSettings(backend="s3", bucket="photos"), environ={"AWS_ACCESS_KEY_ID": "a"}
        )
    assert "AWS_SECRET_ACCESS_KEY is not set" in str(refused.value)


@pytest.mark.parametrize(
    ("media", "named"),
    [
        ({"backend": "s3"}, "media.bucket: is missing"),
        ({"backend": "s3", "bucket": "No_Such"}, "media.bucket: must be 3 to 63"),
        ({"backend": "ftp"}, "media.backend: must be one of local, s3"),
        ({"backend": "s3", "bucket": "photos", "endpoint": "s3.example"}, "media.endpoint"),
        ({"backend": "s3", "bucket": "photos", "public_url": "cdn/x"}, "media.public_url"),
    ],
)
def test_bad_media_settings_are_refused_naming_the_key(
    make_settings: Callable[..., Any], media: dict[str, Any], named: str
) -> None:
    good = make_settings()
    text = good.path.read_text().replace('backend = "local"\n', "")
    lines = [f"{key} = {value!r}".replace("'", '"') for key, value in media.items()]
    good.path.write_text(text.replace("[media]\n", "[media]\n" + "\n".join(lines) + "\n"))
    with pytest.raises(ConfigError) as refused:
        load_settings(good.path)
    assert named in str(refused.value)


def test_a_city_on_s3_without_keys_does_not_start(
    make_settings: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("COMPTOIR_S3_ACCESS_KEY_ID", "COMPTOIR_S3_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    settings = make_settings(media={"backend": "s3", "bucket": "photos"})
    with pytest.raises(ConfigError):
        build_city(settings, with_worker=False)
    answer = comptoir(settings.path, "worker")
    assert answer.returncode == 2 and "config error: media" in answer.stderr


def test_serve_refuses_to_start_when_the_bucket_does_not_answer(
    make_settings: Callable[..., Any], s3: S3
) -> None:
    settings = make_settings(media={**s3.section(), "bucket": "no-such-bucket"})
    answer = comptoir(settings.path, "serve")
    assert answer.returncode == 2
    assert "config error: media: cannot reach the bucket" in answer.stderr
