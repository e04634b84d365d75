"""What of the city's media a backup holds: THE one place a backup or a restore touches media.

MEDIA STORAGE SEAM (issue 16): today listing photos are files in `data/media/` (written by
`exchange.photos.store`). When the media storage interface lands, `media_files` and
`restore_media_file` are the two functions to point at it; nothing else in `instance.backup`
or `instance.restore` knows where photos live. For an object store the archive should then
hold a listing of its keys with sizes and checksums (`MediaFile.open` returning None) rather
than the bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .settings import Settings

#: the `media.storage` a backup records in its manifest; a restore refuses any other
STORAGE = "local"


@dataclass(frozen=True)
class MediaFile:
    """One stored photo: its name (a key under media/) and where to read its bytes."""

    name: str
    path: Path

    def open(self) -> BinaryIO:
        return self.path.open("rb")


def media_folder(data_dir: Path) -> Path:
    return data_dir / "media"


def media_files(settings: Settings) -> Iterator[MediaFile]:
    """Every stored photo, in name order. Files being written (`.NAME.tmp`) are left out:
    a photo is recorded in the database only after its file is complete."""
    folder = media_folder(settings.data_dir)
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file() or path.is_symlink():
            continue
        yield MediaFile(path.name, path)


def restore_media_file(data_dir: Path, name: str) -> Path:
    """Where a restored photo is written (the caller writes it)."""
    folder = media_folder(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name
