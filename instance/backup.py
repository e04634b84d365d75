"""`comptoir backup`: one archive a city can be brought back from, taken while it runs.

Order matters for consistency. The database is copied first, in one snapshot (SQLite's online
backup API, or pg_dump), then the media: a photo's file is written before the transaction that
records it (exchange.photos), so every photo the copied database knows is on disk by then.
A photo deleted between the two steps is the one thing that can be missing (its listing shows
no picture); photos added after the snapshot are extra files no row points at.

The archive is written under a temporary name beside the output and renamed when complete:
a crash or a refusal never leaves a half archive under the final name. It holds password
hashes and the actors' private keys, so it is created readable by its owner only.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from . import postgres_dump
from .backup_archive import (
    CONFIG,
    MEDIA_PREFIX,
    PG_DUMP_FILE,
    SQLITE_FILE,
    ArchiveWriter,
    Manifest,
)
from .backup_errors import BackupError
from .backup_media import LISTING, MediaListingError, media_files, object_listing, storage_of
from .config_edit import SECRET_KEYS, get_key, set_key
from .settings import Settings
from .version import VERSION


@dataclass(frozen=True)
class BackupDone:
    path: Path
    size: int
    manifest: Manifest


def default_name(settings: Settings, now: datetime) -> str:
    host = settings.domain.replace(":", "_")
    return f"comptoir-{host}-{now.strftime('%Y%m%dT%H%M%SZ')}.tar.gz"


def sanitized_config(settings: Settings, with_secrets: bool) -> bytes:
    """instance.toml as the archive holds it: without its secrets unless asked (the secret
    key blanked, the database password taken out of the URL)."""
    document = settings.path.read_text(encoding="utf-8")
    if with_secrets:
        return document.encode()
    for section, key in SECRET_KEYS:
        document = set_key(
            document,
            section,
            key,
            "",
            comment="left out of the backup: `comptoir restore` sets one",
        )
    url = get_key(document, "database", "url")
    if isinstance(url, str) and "://" in url and not url.startswith("sqlite"):
        parsed = make_url(url)
        if parsed.password is not None:
            document = set_key(
                document,
                "database",
                "url",
                parsed._replace(password=None).render_as_string(hide_password=False),
                comment="password left out of the backup",
            )
    return document.encode()


def _revision(url: str) -> str | None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        engine.dispose()


def _sqlite_copy(settings: Settings, destination: Path) -> str | None:
    """SQLite's online backup: a consistent copy while the city writes; its revision."""
    source_path = settings.database_url.removeprefix("sqlite:///")
    if not Path(source_path).is_file():
        raise BackupError(f"the database file {source_path} does not exist", 2)
    source = sqlite3.connect(source_path, timeout=30)
    target = sqlite3.connect(destination)
    try:
        source.backup(target)  # all pages in one step: one read snapshot of the WAL database
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        row = target.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error as exc:
        raise BackupError(f"copying the SQLite database failed: {exc}") from None
    finally:
        target.close()
        source.close()
    return str(row[0]) if row else None


def _publish(partial: Path, output: Path) -> None:
    """Give the complete archive its name, never replacing a file that appeared meanwhile
    (a hard link fails on an existing name where a rename would replace it)."""
    try:
        os.link(partial, output)
    except FileExistsError:
        raise BackupError(f"{output} already exists; refusing to overwrite it") from None
    except OSError:  # a file system without hard links
        os.replace(partial, output)


def take_backup(settings: Settings, output: Path | None, *, with_secrets: bool) -> BackupDone:
    now = datetime.now(UTC).replace(microsecond=0)
    output = output if output is not None else Path.cwd() / default_name(settings, now)
    if output.exists():
        raise BackupError(f"{output} already exists; refusing to overwrite it")
    if not output.parent.is_dir():
        raise BackupError(f"the folder {output.parent} does not exist", 2)
    manifest = Manifest(
        comptoir_version=VERSION,
        domain=settings.domain,
        backend="sqlite" if settings.is_sqlite else "postgresql",
        schema=None,
        migration_revision=None,
        created_at=now.isoformat().replace("+00:00", "Z"),
        with_secrets=with_secrets,
        media_storage=storage_of(settings),
    )
    config = sanitized_config(settings, with_secrets)
    partial = output.with_name(f".{output.name}.{secrets.token_hex(4)}.partial")
    try:
        with tempfile.TemporaryDirectory(prefix="comptoir-backup-", dir=output.parent) as scratch:
            # 1. the database, in one snapshot
            if settings.is_sqlite:
                copy = Path(scratch) / "comptoir.sqlite3"
                manifest.migration_revision = _sqlite_copy(settings, copy)
                member = SQLITE_FILE
            else:
                manifest.schema = postgres_dump.current_schema(settings.database_url)
                manifest.migration_revision = _revision(settings.database_url)
                copy = Path(scratch) / "comptoir.pgdump"
                postgres_dump.dump(settings.database_url, manifest.schema, copy)
                member = PG_DUMP_FILE
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                archive = ArchiveWriter(out, manifest)
                archive.add_bytes(CONFIG, config)
                archive.add_path(member, copy)
                # 2. the media, after the snapshot: the photos, or the bucket's listing
                if manifest.media_storage == "s3":
                    try:
                        archive.add_bytes(LISTING, object_listing(settings))
                    except MediaListingError as exc:
                        raise BackupError(str(exc)) from None
                for media in media_files(settings) if manifest.media_storage == "local" else ():
                    try:
                        source = media.open()
                    except FileNotFoundError:  # deleted since it was listed
                        continue
                    with source:
                        archive.add_file(
                            MEDIA_PREFIX + media.name, source, os.fstat(source.fileno()).st_size
                        )
                archive.close()
                out.flush()
                os.fsync(out.fileno())
        _publish(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    return BackupDone(output, output.stat().st_size, manifest)
