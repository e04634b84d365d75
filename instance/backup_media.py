"""What of the city's media a backup holds: the one place a backup or a restore touches media.

On the local backend (`data/media/`) the archive carries the photos' bytes. On S3 the bucket
is the photos' copy of record (versioned or replicated by the operator, docs/DEPLOYMENT.md):
copying it into every archive would make a city's backup as large as its bucket, so the
archive holds a listing of the objects (name, size, SHA-256), and a restore checks the
bucket against it and says what is missing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from .backup_archive import MEDIA_LISTING
from .media import local_store, open_store
from .media_store import MediaStoreError
from .settings import ConfigError, Settings

#: the `media.storage` values a backup records in its manifest; a restore refuses any other
STORAGES = ("local", "s3")
#: the archive member listing an object store's photos
LISTING = MEDIA_LISTING


@dataclass(frozen=True)
class MediaFile:
    """One stored photo: its name (a key under media/) and where to read its bytes."""

    name: str
    path: Path

    def open(self) -> BinaryIO:
        return self.path.open("rb")


def storage_of(settings: Settings) -> str:
    return settings.media.backend


def media_files(settings: Settings) -> Iterator[MediaFile]:
    """Every photo of the local folder, in name order (the store lists no `.NAME.tmp` being
    written: a photo is recorded in the database only after it is complete)."""
    store = local_store(settings)
    for name in sorted(store.names()):
        path = store.folder / name
        if path.is_file() and not path.is_symlink():
            yield MediaFile(name, path)


def object_listing(settings: Settings) -> bytes:
    """The bucket's photos as JSON (name, size, sha256), in name order."""
    objects: list[dict[str, Any]] = []
    try:
        store = open_store(settings)
        for name in sorted(store.names()):
            info = store.info(name)
            if info is not None:  # deleted since it was listed
                objects.append({"name": name, "size": info.size, "sha256": info.sha256})
    except (MediaStoreError, ConfigError) as exc:
        raise MediaListingError(f"the object store cannot be listed: {exc}") from None
    return json.dumps({"objects": objects}, indent=1).encode()


class MediaListingError(Exception):
    pass


def missing_objects(settings: Settings, listing: bytes) -> tuple[int, list[str]]:
    """Of the objects a backup listed, how many there were and which the bucket the restored
    city names lacks (absent, or another size). MediaStoreError when it cannot be asked."""
    objects = json.loads(listing)["objects"]
    store = open_store(settings)
    missing = []
    for entry in objects:
        info = store.info(entry["name"])
        if info is None or info.size != entry["size"]:
            missing.append(entry["name"])
    return len(objects), missing


def restore_media_file(data_dir: Path, name: str) -> Path:
    """Where a restored photo is written (the caller writes it)."""
    folder = data_dir / "media"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name
