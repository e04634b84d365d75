"""A city whose photos are on S3: the archive lists the bucket's objects instead of copying
them, and a restore says whether the bucket still holds every one."""

from __future__ import annotations

import json
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from instance.media import open_store
from instance.settings import Settings

from ..cli import comptoir
from ..s3 import S3
from .conftest import store_photo

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])  # the media, not the database


@pytest.fixture
def city(make_settings: Callable[..., Settings], s3: S3) -> Settings:
    settings = make_settings(media=s3.section())
    store_photo(settings)
    store_photo(settings, (20, 200, 30))
    return settings


def backup(city: Settings, path: Path) -> dict[str, object]:
    done = comptoir(city.path, "backup", "--output", str(path))
    assert done.returncode == 0, done.stderr
    with tarfile.open(path, "r:gz") as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        listing = json.loads(tar.extractfile("media-objects.json").read())  # type: ignore[union-attr]
        assert not [n for n in tar.getnames() if n.startswith("media/")]
    return {"manifest": manifest, "listing": listing}


def test_the_archive_lists_the_buckets_photos_with_their_checksums(
    city: Settings, s3: S3, tmp_path: Path
) -> None:
    made = backup(city, tmp_path / "city.tar.gz")
    assert made["manifest"]["media"] == {"storage": "s3"}  # type: ignore[index]
    objects = made["listing"]["objects"]  # type: ignore[index]
    assert len(objects) == 2 and {o["name"] for o in objects} == s3.names()
    assert all(o["size"] > 0 and len(o["sha256"]) == 64 for o in objects)


def test_a_restore_says_the_bucket_holds_every_listed_photo(city: Settings, tmp_path: Path) -> None:
    backup(city, tmp_path / "city.tar.gz")
    done = comptoir(
        tmp_path / "unused.toml",
        "restore",
        str(tmp_path / "city.tar.gz"),
        "--into",
        str(tmp_path / "restored"),
    )
    assert done.returncode == 0, done.stderr
    assert "holds all 2 photos the backup listed" in done.stdout, done.stdout


def test_a_restore_names_the_photos_the_bucket_has_lost(city: Settings, tmp_path: Path) -> None:
    backup(city, tmp_path / "city.tar.gz")
    store = open_store(city)
    lost = sorted(store.names())[0]
    store.delete(lost)
    done = comptoir(
        tmp_path / "unused.toml",
        "restore",
        str(tmp_path / "city.tar.gz"),
        "--into",
        str(tmp_path / "restored"),
    )
    assert done.returncode == 0, done.stderr
    assert f"lacks 1 of the 2 photos the backup listed ({lost})" in done.stdout
