"""Where listing photos live: one interface (`MediaStore`), two backends.

`LocalMediaStore` keeps them in the city's `data/media/` folder, as before: the embedded
default, one machine. `S3MediaStore` (instance/media_s3.py) keeps them in an S3-compatible
bucket, so that every web host of a city serves the same photos. The domain and the edges get
the store from the `City` (`city.media`) and never know which one it is.

Every method blocks (disk or network): request code calls them through `in_thread`, off the
event loop, as it does with database work; CLI commands and worker threads call them directly.
A store that cannot be reached raises `MediaStoreError`, never a backend's own exception.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, TypeVar

import anyio.to_thread

T = TypeVar("T")

#: bytes per chunk when an object is streamed to a client
CHUNK = 256 * 1024


class MediaStoreError(Exception):
    """The store could not be reached or refused the operation; the message says which."""


@dataclass(frozen=True)
class MediaInfo:
    """What a store knows about one object without reading it."""

    size: int
    #: hex SHA-256 of the bytes, when the store keeps it (S3 metadata) or can afford it (local)
    sha256: str | None


@dataclass
class MediaObject:
    """One object opened for streaming: its size and its bytes, chunk by chunk.

    `chunks` releases the file or connection when it ends or is closed; call `close` when the
    object is not read to its end."""

    size: int
    chunks: Iterator[bytes]

    def close(self) -> None:
        close = getattr(self.chunks, "close", None)
        if close is not None:
            close()


class MediaStore(Protocol):
    """Named immutable objects. Names are chosen by the caller (exchange/photos.py)."""

    #: `local` or `s3`, for messages
    kind: str

    def put(self, name: str, data: bytes, media_type: str) -> None:
        """Store `data` under `name`, all or nothing (replaces an object of that name)."""

    def read(self, name: str) -> bytes | None:
        """The object's bytes, or None when there is no such object."""

    def open(self, name: str) -> MediaObject | None:
        """The object for streaming, or None when there is no such object."""

    def info(self, name: str) -> MediaInfo | None:
        """Size (and checksum when known) of the object, or None when there is none."""

    def exists(self, name: str) -> bool: ...

    def delete(self, name: str) -> None:
        """Remove the object; nothing happens when there is none."""

    def names(self) -> Iterator[str]:
        """Every stored object's name (no temporary files), in no particular order."""

    def public_url(self, name: str) -> str | None:
        """Where clients fetch the object directly, or None when the app serves it."""

    def check(self) -> None:
        """Raise MediaStoreError unless the store answers and the bucket or folder exists."""


async def in_thread(fn: Callable[..., T], *args: object) -> T:
    """Run one blocking store call off the event loop, in the thread pool Starlette streams
    responses with (40 threads), not asyncio's small default one that name lookups use."""
    return await anyio.to_thread.run_sync(fn, *args)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class LocalMediaStore:
    """A folder: written atomically (a temporary file renamed into place), served from disk."""

    kind = "local"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, name: str) -> Path:
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise ValueError(f"not a media name: {name!r}")
        return self.folder / name

    def put(self, name: str, data: bytes, media_type: str) -> None:
        path = self._path(name)
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            temporary.write_bytes(data)
            os.replace(temporary, path)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise MediaStoreError(f"cannot write {path}: {exc.strerror}") from None

    def read(self, name: str) -> bytes | None:
        try:
            return self._path(name).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            return None

    def open(self, name: str) -> MediaObject | None:
        try:
            handle = self._path(name).open("rb")
        except (FileNotFoundError, IsADirectoryError):
            return None
        size = os.fstat(handle.fileno()).st_size
        return MediaObject(size, _file_chunks(handle))

    def info(self, name: str) -> MediaInfo | None:
        data = self.read(name)
        return None if data is None else MediaInfo(len(data), sha256_hex(data))

    def exists(self, name: str) -> bool:
        return self._path(name).is_file()

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def names(self) -> Iterator[str]:
        if not self.folder.is_dir():
            return
        for entry in os.scandir(self.folder):
            if entry.is_file() and not entry.name.startswith("."):
                yield entry.name

    def public_url(self, name: str) -> str | None:
        return None

    def check(self) -> None:
        if self.folder.exists() and not self.folder.is_dir():
            raise MediaStoreError(f"{self.folder} is not a folder")


def _file_chunks(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk
