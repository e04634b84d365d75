"""The backup archive: one gzip-compressed tar and its manifest.

Layout (every path relative to the archive's root):

    instance.toml                 the city's configuration (secrets blanked unless asked)
    database/comptoir.sqlite3     SQLite: a copy made by SQLite's online backup
    database/comptoir.pgdump      PostgreSQL: pg_dump of the city's schema, custom format
    media/NAME                    every stored photo
    manifest.json                 written last: what the archive is and every file above,
                                  with its size and sha256

The manifest comes last because the checksums are computed while the files stream into the
archive (a photo is read once). A reader therefore extracts everything into a scratch folder,
then checks the files against the manifest: a truncated archive has no manifest or fails to
decompress, a changed byte fails its checksum, an extra or missing file fails the list.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO

from .backup_errors import BackupError

FORMAT = "comptoir-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CONFIG = "instance.toml"
SQLITE_FILE = "database/comptoir.sqlite3"
PG_DUMP_FILE = "database/comptoir.pgdump"
MEDIA_PREFIX = "media/"
#: what stands for the photos of a city on an object store (instance/backup_media.py)
MEDIA_LISTING = "media-objects.json"

_SAFE_PATH = re.compile(
    r"^(instance\.toml|manifest\.json|media-objects\.json|database/comptoir\.(sqlite3|pgdump)"
    r"|media/[A-Za-z0-9][A-Za-z0-9._-]{0,200})$"
)
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Member:
    path: str
    size: int
    sha256: str


@dataclass
class Manifest:
    comptoir_version: str
    domain: str
    backend: str  # "sqlite" | "postgresql"
    #: PostgreSQL: the schema the dump holds
    schema: str | None
    migration_revision: str | None
    created_at: str
    with_secrets: bool
    #: where the media were kept ("local": their bytes are under media/)
    media_storage: str = "local"
    files: list[Member] = field(default_factory=list)

    def to_json(self) -> bytes:
        document = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "comptoir_version": self.comptoir_version,
            "domain": self.domain,
            "database": {"backend": self.backend, "schema": self.schema},
            "migration_revision": self.migration_revision,
            "created_at": self.created_at,
            "with_secrets": self.with_secrets,
            "media": {"storage": self.media_storage},
            "files": [{"path": m.path, "size": m.size, "sha256": m.sha256} for m in self.files],
        }
        return json.dumps(document, indent=2).encode() + b"\n"

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        try:
            document: Any = json.loads(data)
            if document.get("format") != FORMAT:
                raise BackupError("not a Comptoir backup: its manifest has another format")
            version = document.get("format_version")
            if version != FORMAT_VERSION:
                raise BackupError(
                    f"the archive's format version is {version!r} and this Comptoir reads "
                    f"version {FORMAT_VERSION} only: restore it with the Comptoir that made it "
                    "or a newer one"
                )
            database = document["database"]
            return cls(
                comptoir_version=str(document["comptoir_version"]),
                domain=str(document["domain"]),
                backend=_one_of(database["backend"], ("sqlite", "postgresql")),
                schema=database.get("schema"),
                migration_revision=document.get("migration_revision"),
                created_at=str(document["created_at"]),
                with_secrets=bool(document["with_secrets"]),
                media_storage=str(document.get("media", {}).get("storage", "local")),
                files=[
                    Member(str(f["path"]), int(f["size"]), str(f["sha256"]))
                    for f in document["files"]
                ],
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BackupError(
                f"the archive is damaged: its manifest cannot be read ({exc})"
            ) from None


def _one_of(value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValueError(f"unknown database backend {value!r}")
    return str(value)


class _Hashing:
    """A file object that hashes what is read through it, and stops at the declared size
    (a file that grew while being archived does not spill into the next member)."""

    def __init__(self, source: IO[bytes], size: int) -> None:
        self.source = source
        self.left = size
        self.digest = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        data = self.source.read(n)
        self.left -= len(data)
        self.digest.update(data)
        return data


class ArchiveWriter:
    """Writes members and, on `close`, the manifest listing them."""

    def __init__(self, fileobj: BinaryIO, manifest: Manifest) -> None:
        self.manifest = manifest
        self.tar = tarfile.open(fileobj=fileobj, mode="w:gz", format=tarfile.PAX_FORMAT)
        self.mtime = time.time()

    def add_file(self, path: str, source: BinaryIO, size: int) -> None:
        info = tarfile.TarInfo(path)
        info.size, info.mtime, info.mode = size, self.mtime, 0o600
        reader = _Hashing(source, size)
        self.tar.addfile(info, reader)
        if reader.left:
            raise BackupError(f"{path} shrank while it was being archived")
        self.manifest.files.append(Member(path, size, reader.digest.hexdigest()))

    def add_path(self, path: str, file: Path) -> None:
        with file.open("rb") as source:
            self.add_file(path, source, file.stat().st_size)

    def add_bytes(self, path: str, data: bytes) -> None:
        self.add_file(path, io.BytesIO(data), len(data))

    def close(self) -> None:
        data = self.manifest.to_json()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(data), self.mtime, 0o600
        self.tar.addfile(info, io.BytesIO(data))
        self.tar.close()


def _members(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    while True:
        info = tar.next()
        if info is None:
            return
        yield info


def extract(archive: Path, into: Path) -> Manifest:
    """Unpack a backup into the empty folder `into` and prove it whole; returns its manifest.

    Raises BackupError (exit 1) for anything but a complete, unchanged Comptoir backup: a
    file cut short, a byte changed, a file added or missing, a path outside the archive."""
    seen: dict[str, Member] = {}
    manifest_data: bytes | None = None
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for info in _members(tar):
                if not info.isfile() or not _SAFE_PATH.match(info.name) or ".." in info.name:
                    raise BackupError(f"the archive holds an unexpected entry {info.name!r}")
                if info.name in seen or (info.name == MANIFEST and manifest_data is not None):
                    raise BackupError(f"the archive holds {info.name!r} twice")
                source = tar.extractfile(info)
                assert source is not None
                if info.name == MANIFEST:
                    manifest_data = source.read()
                    continue
                target = into / info.name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest, size = hashlib.sha256(), 0
                with target.open("xb") as out:
                    while chunk := source.read(_CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                if size != info.size:
                    raise BackupError(f"the archive is damaged: {info.name} is cut short")
                seen[info.name] = Member(info.name, size, digest.hexdigest())
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        if isinstance(exc, FileNotFoundError) and not archive.exists():
            raise BackupError(f"{archive} does not exist", 2) from None
        raise BackupError(
            f"the archive is damaged (truncated or not a Comptoir backup): {exc}"
        ) from None
    if manifest_data is None:
        raise BackupError("the archive is damaged (truncated?): it has no manifest")
    manifest = Manifest.from_json(manifest_data)
    listed = {m.path: m for m in manifest.files}
    for path, member in listed.items():
        found = seen.get(path)
        if found is None:
            raise BackupError(f"the archive is damaged: {path} is in the manifest but missing")
        if found.size != member.size or found.sha256 != member.sha256:
            raise BackupError(
                f"the archive is damaged: {path} does not match its checksum in the manifest"
            )
    extra = sorted(set(seen) - set(listed))
    if extra:
        raise BackupError(f"the archive is damaged: {extra[0]} is not in the manifest")
    return manifest
