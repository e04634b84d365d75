"""`comptoir restore`: bring a backup back into a fresh folder (and, for PostgreSQL, a fresh
database or schema).

Everything is checked before anything is kept: the archive is unpacked into a scratch folder
beside the target and proved whole against its manifest (instance.backup_archive), its format
version and migration revision must be ones this code knows, the target folder must be empty
and the target database schema without tables. The folder is renamed into place last; the
PostgreSQL load is one transaction (instance.postgres_dump). A refusal leaves nothing behind.

The restored folder is laid out as `comptoir init` makes one: `instance.toml`, `data/`, the
SQLite file and `media/` under it, with relative paths, so the folder can be moved.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from alembic.script import ScriptDirectory

from . import migrate, postgres_dump
from .backup_archive import CONFIG, MEDIA_PREFIX, PG_DUMP_FILE, SQLITE_FILE, Manifest, extract
from .backup_errors import BackupError
from .backup_media import LISTING, STORAGES, missing_objects, restore_media_file
from .config_edit import LEFT_OUT, ConfigEditError, get_key, set_key
from .media_store import MediaStoreError
from .settings import ConfigError, Settings, settings_from_dict

DATA = "data"
SQLITE_NAME = "comptoir.sqlite3"


@dataclass
class RestoreDone:
    folder: Path
    manifest: Manifest
    #: what the operator must know or do before starting the city
    notes: list[str] = field(default_factory=list)


def _check_target(into: Path) -> None:
    if into.exists() and (not into.is_dir() or any(into.iterdir())):
        raise BackupError(f"{into} is not empty: restore into a new or empty folder")


def _check_revision(manifest: Manifest) -> str | None:
    """A note when the database is behind this code; a refusal when it is ahead."""
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    known = {revision.revision for revision in script.walk_revisions()}
    revision = manifest.migration_revision
    if revision is None or revision not in known:
        raise BackupError(
            f"the backup's database is at migration {revision!r}, which this Comptoir does not "
            f"know (it was made by Comptoir {manifest.comptoir_version}): restore it with that "
            "version or a newer one"
        )
    if revision not in set(script.get_heads()):
        return (
            f"the database is at migration {revision}, older than this code: run "
            "`comptoir db upgrade` before serving (SQLite cities upgrade themselves on `serve`)"
        )
    return None


def _config(text: str, database_url: str, notes: list[str]) -> str:
    try:
        text = set_key(text, "instance", "data_dir", DATA)
        text = set_key(text, "database", "url", database_url)
        if not get_key(text, "instance", "secret_key"):
            text = set_key(text, "instance", "secret_key", secrets.token_urlsafe(48))
            text = text.replace(f"# {LEFT_OUT}\n", "")
            notes.append(
                "the backup held no secrets: a fresh instance.secret_key was generated (it signs "
                "session cookies only, so members log in again; API tokens, passwords and the "
                "actors' keys are in the database and still work)"
            )
    except (ConfigEditError, tomllib.TOMLDecodeError) as exc:
        raise BackupError(f"the archive's instance.toml cannot be restored: {exc}") from None
    return text


def _bucket_note(settings: Settings, listing: bytes) -> str:
    """The photos stay in the bucket the restored instance.toml names: say whether it still
    holds every one the backup listed."""
    bucket = settings.media.bucket
    try:
        listed, missing = missing_objects(settings, listing)
    except (MediaStoreError, ConfigError) as exc:
        return (
            f"the photos are in the bucket {bucket!r}, which could not be checked now ({exc}); "
            f"check it before serving"
        )
    if not missing:
        return f"the bucket {bucket!r} holds all {listed} photos the backup listed"
    shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
    return (
        f"the bucket {bucket!r} lacks {len(missing)} of the {listed} photos the backup listed "
        f"({shown}): restore them from the bucket's own versions or copies"
    )


def restore(archive: Path, into: Path, database_url: str | None) -> RestoreDone:
    into = into.resolve()
    if not archive.is_file():
        raise BackupError(f"{archive} does not exist or is not a file", 2)
    _check_target(into)
    into.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(4)
    unpacked = into.parent / f".{into.name}.unpack-{token}"
    staging = into.parent / f".{into.name}.restore-{token}"
    unpacked.mkdir(mode=0o700)  # the database inside holds private keys and password hashes
    try:
        manifest = extract(archive, unpacked)
        notes: list[str] = []
        behind = _check_revision(manifest)
        if manifest.media_storage not in STORAGES:
            raise BackupError(
                f"the backup's media were kept in {manifest.media_storage!r} storage; this "
                f"Comptoir restores {' or '.join(map(repr, STORAGES))} media only"
            )
        if manifest.media_storage == "s3" and not (unpacked / LISTING).is_file():
            raise BackupError("the archive lists no photos of its object store: it is damaged")
        if manifest.backend == "postgresql":
            if not database_url:
                raise BackupError(
                    "this is a PostgreSQL backup: give --database-url of a fresh, empty database "
                    "(or schema) to restore it into",
                    2,
                )
            if not database_url.startswith(("postgres://", "postgresql://", "postgresql+")):
                raise BackupError("--database-url must be a postgresql:// URL for this backup", 2)
            target_url = database_url
        else:
            if database_url:
                raise BackupError(
                    "this is a SQLite backup: it is restored as a file in the folder; "
                    "--database-url is for PostgreSQL backups",
                    2,
                )
            target_url = f"sqlite:///{DATA}/{SQLITE_NAME}"
        text = _config((unpacked / CONFIG).read_text(encoding="utf-8"), target_url, notes)
        staging.mkdir(mode=0o700)
        config_path = staging / CONFIG
        try:
            settings = settings_from_dict(tomllib.loads(text), config_path)
        except ConfigError as exc:
            raise BackupError(f"the archive's instance.toml is not valid here: {exc}") from None
        data_dir = staging / DATA
        data_dir.mkdir()
        for member in manifest.files:
            if member.path.startswith(MEDIA_PREFIX):
                name = member.path.removeprefix(MEDIA_PREFIX)
                os.replace(unpacked / member.path, restore_media_file(data_dir, name))
        (data_dir / "media").mkdir(exist_ok=True)
        fd = os.open(config_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        _check_target(into)  # again, last thing before the database: nobody wrote there since
        if manifest.backend == "sqlite":
            os.replace(unpacked / SQLITE_FILE, data_dir / SQLITE_NAME)
        else:
            schema = postgres_dump.restore(
                settings.database_url,
                unpacked / PG_DUMP_FILE,
                manifest.schema or "public",
                unpacked,
            )
            notes.append(f"the database was loaded into schema {schema!r}")
            # from here on only renames remain: the folder follows the loaded database
        if behind:
            notes.append(behind)
        if manifest.media_storage == "s3":
            notes.append(_bucket_note(settings, (unpacked / LISTING).read_bytes()))
        if into.exists():
            into.rmdir()
        os.replace(staging, into)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(unpacked, ignore_errors=True)
    return RestoreDone(into, manifest, notes)
