"""`comptoir media migrate --to s3`: every local photo copied to the bucket and verified, the
city then serving them from the object store; a second run copies nothing; an interrupted run
resumes; nothing is lost (local files stay unless --delete-local, and only after a verified copy).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from instance.media import local_store
from instance.media_s3 import S3MediaStore
from instance.media_store import LocalMediaStore
from server.app import create_app
from services.media_migration import CopyNotVerified, MigrationReport, migrate

from ..cli import comptoir
from ..live import free_port_socket
from ..s3 import S3
from .conftest import Market, image_bytes, photo_body


async def city_with_photos(market: Callable[..., Any], s3: S3, count: int = 3) -> Market:
    """A city still on local storage, its bucket already named in [media], with `count` photos."""
    city: Market = await market(media=s3.section(backend="local"))
    city.member("alice")
    listing = await city.listing()
    for n in range(count):
        body = photo_body(image_bytes(size=(40 + n, 30)), f"photo {n}")
        answer = await city.post(f"/listings/{listing['id']}/photos", body, as_="alice")
        assert answer.status_code == 201, answer.text
    return city


def local_photos(city: Market) -> dict[str, bytes]:
    folder: Path = city.settings.data_dir / "media"
    return {path.name: path.read_bytes() for path in folder.iterdir()}


def switched_to_s3(city: Market, s3: S3, *, public: bool) -> httpx.AsyncClient:
    """The same city restarted with `backend = "s3"` (and `public_url` when `public`)."""
    media = dataclasses.replace(
        city.settings.media,
        backend="s3",
        public_url=f"{s3.endpoint}/{s3.bucket}" if public else "",
    )
    settings = dataclasses.replace(city.settings, media=media)
    app = create_app(settings, run_worker=False, db=city.db)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=settings.base_url)


async def test_every_photo_is_copied_verified_and_then_served_from_the_object_store(
    market: Callable[..., Any], s3: S3
) -> None:
    city = await city_with_photos(market, s3)
    before = local_photos(city)
    run = comptoir(city.settings.path, "media", "migrate", "--to", "s3")
    assert run.returncode == 0, run.stderr
    assert "copied 3 photos" in run.stdout and "verified" in run.stdout
    assert "3/3" in run.stderr and "\r" in run.stderr
    assert {name: s3.get(name) for name in s3.names()} == before
    assert local_photos(city) == before, "local files are kept without --delete-local"
    async with switched_to_s3(city, s3, public=True) as site, httpx.AsyncClient() as browser:
        for name, data in before.items():
            answer = await site.get(f"/media/{name}")
            assert answer.status_code == 302
            assert (await browser.get(answer.headers["location"])).content == data


async def test_a_second_run_copies_nothing_and_says_so(market: Callable[..., Any], s3: S3) -> None:
    city = await city_with_photos(market, s3)
    assert comptoir(city.settings.path, "media", "migrate", "--to", "s3").returncode == 0
    stamps = {
        name: s3.client.head_object(Bucket=s3.bucket, Key=name)["ETag"] for name in s3.names()
    }
    again = comptoir(city.settings.path, "media", "migrate", "--to", "s3")
    assert again.returncode == 0
    assert "nothing to copy: all 3 photos are already in" in again.stdout
    assert "copied 0, already there 3" in again.stderr
    assert {n: s3.client.head_object(Bucket=s3.bucket, Key=n)["ETag"] for n in s3.names()} == stamps


async def test_an_interrupted_run_resumes_where_it_stopped(
    market: Callable[..., Any], s3: S3
) -> None:
    city = await city_with_photos(market, s3)
    before = local_photos(city)

    def interrupt_after_the_first_copy(report: MigrationReport) -> None:
        if report.copied == 1:
            raise KeyboardInterrupt  # Ctrl-C between two photos

    with pytest.raises(KeyboardInterrupt):
        migrate(
            local_store(city.settings),
            S3MediaStore(city.settings.media),
            progress=interrupt_after_the_first_copy,
        )
    done = len(s3.names())  # the first copy, and the one already under way when it stopped
    assert 1 <= done < 3
    run = comptoir(city.settings.path, "media", "migrate", "--to", "s3")
    assert run.returncode == 0
    assert f"copied {3 - done} photos" in run.stdout
    assert f"({done} were already there)" in run.stdout
    assert {name: s3.get(name) for name in s3.names()} == before


async def test_an_object_with_other_bytes_under_a_photo_name_is_replaced(
    market: Callable[..., Any], s3: S3
) -> None:
    city = await city_with_photos(market, s3, count=1)
    [(name, data)] = local_photos(city).items()
    s3.client.put_object(Bucket=s3.bucket, Key=name, Body=data[: len(data) // 2])
    run = comptoir(city.settings.path, "media", "migrate", "--to", "s3")
    assert run.returncode == 0 and "copied 1 photos" in run.stdout
    assert s3.get(name) == data


async def test_delete_local_removes_each_file_after_its_copy_and_the_app_streams_them(
    market: Callable[..., Any], s3: S3
) -> None:
    city = await city_with_photos(market, s3)
    before = local_photos(city)
    run = comptoir(city.settings.path, "media", "migrate", "--to", "s3", "--delete-local")
    assert run.returncode == 0 and "removed 3 local files" in run.stdout
    assert local_photos(city) == {}
    async with switched_to_s3(city, s3, public=False) as site:
        for name, data in before.items():
            answer = await site.get(f"/media/{name}")
            assert answer.status_code == 200 and answer.content == data


def test_a_copy_that_does_not_verify_stops_the_run_and_keeps_the_original(
    tmp_path: Path,
) -> None:
    source = LocalMediaStore(tmp_path / "media")
    name = "0123456789abcdef0123456789abcdef.png"
    source.put(name, image_bytes(), "image/png")
    with pytest.raises(CopyNotVerified):
        migrate(source, Truncating(tmp_path / "bucket"), delete_source=True)
    assert source.read(name) == image_bytes()


class Truncating(LocalMediaStore):
    """A store that loses the end of what it is given (a broken proxy, a full disk)."""

    def put(self, name: str, data: bytes, media_type: str) -> None:
        super().put(name, data[:-10], media_type)


async def test_an_unreachable_store_exits_1_and_touches_nothing(
    market: Callable[..., Any], s3: S3
) -> None:
    sock = free_port_socket()
    closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()
    city = await city_with_photos(market, S3(closed, s3.bucket, s3.client), count=1)
    before = local_photos(city)
    run = comptoir(city.settings.path, "media", "migrate", "--to", "s3", "--delete-local")
    assert run.returncode == 1 and "cannot reach the bucket" in run.stderr
    assert local_photos(city) == before


async def test_without_a_bucket_the_command_exits_2(market: Callable[..., Any]) -> None:
    city: Market = await market()
    run = comptoir(city.settings.path, "media", "migrate", "--to", "s3")
    assert run.returncode == 2 and "media.bucket" in run.stderr


async def test_a_migration_one_copy_at_a_time_copies_the_same(
    market: Callable[..., Any], s3: S3
) -> None:
    city = await city_with_photos(market, s3)
    run = comptoir(city.settings.path, "media", "migrate", "--to", "s3", "--jobs", "1")
    assert run.returncode == 0 and "copied 3 photos" in run.stdout
    assert {name: s3.get(name) for name in s3.names()} == local_photos(city)
    refused = comptoir(city.settings.path, "media", "migrate", "--to", "s3", "--jobs", "0")
    assert refused.returncode == 2 and "from 1 to 32" in refused.stderr


async def test_files_that_are_not_photo_names_are_left_alone(
    market: Callable[..., Any], s3: S3
) -> None:
    city = await city_with_photos(market, s3, count=1)
    (city.settings.data_dir / "media" / "notes.txt").write_text("mine")
    run = comptoir(city.settings.path, "media", "migrate", "--to", "s3", "--delete-local")
    assert run.returncode == 0 and "left alone 1 files" in run.stdout
    assert (city.settings.data_dir / "media" / "notes.txt").read_text() == "mine"
    assert "notes.txt" not in s3.names()
