"""The MediaStore contract, the same for both backends: the local folder and an S3 bucket (moto
on loopback, tests/s3.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from instance.media_s3 import S3MediaStore
from instance.media_store import LocalMediaStore, MediaStore, MediaStoreError, sha256_hex
from instance.settings import MediaSettings

from ..s3 import REGION, S3

NAME = "0123456789abcdef0123456789abcdef.jpg"
DATA = bytes(range(256)) * 2000  # 512 kB: more than one streamed chunk


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> MediaStore:
    if request.param == "local":
        return LocalMediaStore(tmp_path / "media")
    s3: S3 = request.getfixturevalue("s3")
    return S3MediaStore(
        MediaSettings(backend="s3", endpoint=s3.endpoint, bucket=s3.bucket, region=REGION)
    )


def test_what_is_put_is_read_back_with_its_size_and_checksum(store: MediaStore) -> None:
    assert store.read(NAME) is None and store.info(NAME) is None and not store.exists(NAME)
    store.put(NAME, DATA, "image/jpeg")
    assert store.read(NAME) == DATA and store.exists(NAME)
    info = store.info(NAME)
    assert info is not None and (info.size, info.sha256) == (len(DATA), sha256_hex(DATA))


def test_an_opened_object_streams_in_chunks(store: MediaStore) -> None:
    store.put(NAME, DATA, "image/jpeg")
    opened = store.open(NAME)
    assert opened is not None and opened.size == len(DATA)
    chunks = list(opened.chunks)
    assert len(chunks) > 1 and b"".join(chunks) == DATA
    assert store.open("ffffffffffffffffffffffffffffffff.jpg") is None


def test_names_lists_what_is_stored_and_delete_removes_it(store: MediaStore) -> None:
    other = "fedcba9876543210fedcba9876543210.png"
    store.put(NAME, DATA, "image/jpeg")
    store.put(other, b"png", "image/png")
    assert set(store.names()) == {NAME, other}
    store.delete(NAME)
    store.delete(NAME)  # deleting what is gone is not an error
    assert set(store.names()) == {other} and store.read(NAME) is None


def test_only_a_store_with_a_public_url_gives_one(store: MediaStore, s3: S3) -> None:
    assert store.public_url(NAME) is None
    public = S3MediaStore(
        MediaSettings(backend="s3", bucket=s3.bucket, public_url="https://media.ville.example")
    )
    assert public.public_url(NAME) == f"https://media.ville.example/{NAME}"


def test_a_local_store_lists_no_temporary_file_and_refuses_paths(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path / "media")
    store.put(NAME, DATA, "image/jpeg")
    (tmp_path / "media" / f".{NAME}.1234.tmp").write_bytes(b"half")
    assert list(store.names()) == [NAME]
    for bad in ("../instance.toml", ".hidden", "a/b.jpg", ""):
        with pytest.raises(ValueError):
            store.read(bad)


def test_a_bucket_that_does_not_exist_fails_the_check_with_its_name(s3: S3) -> None:
    missing = S3MediaStore(
        MediaSettings(backend="s3", endpoint=s3.endpoint, bucket="no-such-bucket", region=REGION)
    )
    with pytest.raises(MediaStoreError) as failed:
        missing.check()
    assert "no-such-bucket" in str(failed.value)
    with pytest.raises(MediaStoreError):
        missing.put(NAME, DATA, "image/jpeg")
