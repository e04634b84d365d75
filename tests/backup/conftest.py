"""What backup tests share: a fresh PostgreSQL database to restore into, photos, and archives
rewritten the way a bad disk or a bad actor would."""

from __future__ import annotations

import io
import json
import secrets
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from exchange import photos
from instance.media import open_store
from instance.settings import Settings, normalise_database_url

from ..conftest import PG_URL


@pytest.fixture
def fresh_database(backend: str) -> Iterator[str | None]:
    """PostgreSQL: the URL of a new, empty database, dropped after the test (a restore must
    not land in the database the backup came from). SQLite: None (the file is in the folder)."""
    if backend != "postgresql":
        yield None
        return
    base = make_url(normalise_database_url(PG_URL, Path.cwd()))
    name = f"restore_{secrets.token_hex(6)}"
    admin = create_engine(base, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def store_photo(settings: Settings, colour: tuple[int, int, int] = (200, 30, 30)) -> str:
    """A real photo, stored as a listing's photo is (checked, re-encoded, random name)."""
    image = Image.new("RGB", (16, 16), colour)
    out = io.BytesIO()
    image.save(out, format="PNG")
    prepared = photos.prepare(out.getvalue(), "a red square", max_bytes=1_000_000)
    return photos.store(prepared, open_store(settings))


def rewrite_archive(
    source: Path, target: Path, change: Callable[[str, bytes], bytes | None]
) -> None:
    """Copy a backup member by member through `change(name, data)` (None drops the member)."""
    with tarfile.open(source, "r:gz") as tar_in, tarfile.open(target, "w:gz") as tar_out:
        for info in tar_in.getmembers():
            handle = tar_in.extractfile(info)
            assert handle is not None
            data = change(info.name, handle.read())
            if data is None:
                continue
            info.size = len(data)
            tar_out.addfile(info, io.BytesIO(data))


def with_manifest(**changes: object) -> Callable[[str, bytes], bytes | None]:
    def change(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest.update(changes)
        return json.dumps(manifest).encode()

    return change
