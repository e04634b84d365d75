"""What `comptoir restore` refuses, and what `comptoir backup` does and does not put in the
archive. Each refusal exits non-zero with a message and leaves nothing behind."""

from __future__ import annotations

import io
import json
import tarfile
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from instance import migrate, postgres_dump
from instance.backup import sanitized_config
from instance.settings import Settings, load_settings

from ..cli import comptoir
from ..conftest import postgresql_only, write_config
from .conftest import rewrite_archive, store_photo, with_manifest


@pytest.fixture
def city(make_settings: Callable[..., Settings]) -> Settings:
    settings = make_settings()
    store_photo(settings)
    return settings


#: what does not depend on the backend, once (a fresh PostgreSQL database costs seconds)
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture
def unreachable_database(backend: str) -> str | None:
    """For restores refused before any database is touched: a PostgreSQL URL nothing listens
    at (a restore that went as far as the database would fail on it with another message)."""
    return "postgresql://nobody@127.0.0.1:9/never" if backend == "postgresql" else None


@pytest.fixture
def archive(city: Settings, tmp_path: Path) -> Path:
    path = tmp_path / "city.tar.gz"
    done = comptoir(city.path, "backup", "--output", str(path))
    assert done.returncode == 0, done.stderr
    return path


def restore(archive: Path, into: Path, database_url: str | None = None) -> tuple[int, str]:
    extra = ["--database-url", database_url] if database_url else []
    done = comptoir(
        into.parent / "unused.toml", "restore", str(archive), "--into", str(into), *extra
    )
    return done.returncode, done.stderr


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".restore-" in p.name or ".unpack-" in p.name)


def test_a_truncated_archive_is_refused(
    archive: Path, tmp_path: Path, unreachable_database: str | None
) -> None:
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    code, error = restore(cut, tmp_path / "restored", unreachable_database)
    assert code == 1
    assert "the archive is damaged" in error and "truncated" in error
    assert not (tmp_path / "restored").exists()
    assert leftovers(tmp_path) == []


def test_an_archive_cut_after_its_last_file_but_before_its_manifest_is_refused(
    archive: Path, tmp_path: Path, unreachable_database: str | None
) -> None:
    cut = tmp_path / "cut.tar.gz"
    rewrite_archive(archive, cut, lambda name, data: None if name == "manifest.json" else data)
    code, error = restore(cut, tmp_path / "restored", unreachable_database)
    assert code == 1
    assert "has no manifest" in error
    assert not (tmp_path / "restored").exists()


def test_a_photo_changed_inside_the_archive_fails_its_checksum(
    archive: Path, tmp_path: Path, unreachable_database: str | None
) -> None:
    tampered = tmp_path / "tampered.tar.gz"

    def flip(name: str, data: bytes) -> bytes:
        return data[:-1] + bytes([data[-1] ^ 1]) if name.startswith("media/") else data

    rewrite_archive(archive, tampered, flip)
    code, error = restore(tampered, tmp_path / "restored", unreachable_database)
    assert code == 1
    assert "does not match its checksum" in error and "media/" in error
    assert not (tmp_path / "restored").exists()
    assert leftovers(tmp_path) == []


def test_a_file_added_to_the_archive_is_refused(
    archive: Path, tmp_path: Path, unreachable_database: str | None
) -> None:
    added = tmp_path / "added.tar.gz"
    rewrite_archive(archive, added, lambda name, data: data)
    with tarfile.open(added, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]  # type: ignore[union-attr]
    with tarfile.open(added, "w:gz") as tar:
        for info, data in members:
            if info.name == "manifest.json":
                extra = tarfile.TarInfo("media/0123456789abcdef0123456789abcdef.png")
                extra.size = 3
                tar.addfile(extra, io.BytesIO(b"bad"))
            tar.addfile(info, io.BytesIO(data))
    code, error = restore(added, tmp_path / "restored", unreachable_database)
    assert code == 1
    assert "is not in the manifest" in error


def test_an_unknown_format_version_is_refused(
    archive: Path, tmp_path: Path, unreachable_database: str | None
) -> None:
    future = tmp_path / "future.tar.gz"
    rewrite_archive(archive, future, with_manifest(format_version=2))
    code, error = restore(future, tmp_path / "restored", unreachable_database)
    assert code == 1
    assert "format version is 2" in error
    assert not (tmp_path / "restored").exists()


def test_a_database_at_a_migration_newer_than_this_code_is_refused(
    archive: Path, tmp_path: Path, unreachable_database: str | None
) -> None:
    newer = tmp_path / "newer.tar.gz"
    rewrite_archive(archive, newer, with_manifest(migration_revision="0099"))
    code, error = restore(newer, tmp_path / "restored", unreachable_database)
    assert code == 1
    assert "migration '0099'" in error and "does not know" in error
    assert not (tmp_path / "restored").exists()


def test_restoring_into_a_folder_that_is_not_empty_is_refused(
    archive: Path, tmp_path: Path, unreachable_database: str | None
) -> None:
    into = tmp_path / "occupied"
    into.mkdir()
    (into / "notes.txt").write_text("mine")
    code, error = restore(archive, into, unreachable_database)
    assert code == 1
    assert "is not empty" in error
    assert sorted(p.name for p in into.iterdir()) == ["notes.txt"]
    assert leftovers(tmp_path) == []


@SQLITE_ONLY
def test_restoring_into_an_empty_folder_works(
    archive: Path, tmp_path: Path, fresh_database: str | None
) -> None:
    into = tmp_path / "empty"
    into.mkdir()
    code, error = restore(archive, into, fresh_database)
    assert code == 0, error
    assert (into / "instance.toml").is_file()
    assert len(list((into / "data" / "media").iterdir())) == 1


@SQLITE_ONLY
def test_the_archive_leaves_the_secret_key_out_and_restore_makes_a_fresh_one(
    city: Settings, archive: Path, tmp_path: Path, fresh_database: str | None
) -> None:
    with tarfile.open(archive, "r:gz") as tar:
        kept = tar.extractfile("instance.toml").read().decode()  # type: ignore[union-attr]
    assert city.secret_key not in kept
    assert tomllib.loads(kept)["instance"]["secret_key"] == ""
    into = tmp_path / "restored"
    extra = ["--database-url", fresh_database] if fresh_database else []
    done = comptoir(tmp_path / "unused.toml", "restore", str(archive), "--into", str(into), *extra)
    assert done.returncode == 0, done.stderr
    assert "a fresh instance.secret_key was generated" in done.stdout
    restored_text = (into / "instance.toml").read_text()
    assert "left out of the backup" not in restored_text
    fresh = tomllib.loads(restored_text)["instance"]["secret_key"]
    assert len(fresh) >= 32 and fresh != city.secret_key


@SQLITE_ONLY
def test_with_secrets_the_archive_keeps_the_secret_key(
    city: Settings, tmp_path: Path, fresh_database: str | None
) -> None:
    path = tmp_path / "secret.tar.gz"
    done = comptoir(city.path, "backup", "--output", str(path), "--with-secrets")
    assert done.returncode == 0, done.stderr
    code, error = restore(path, tmp_path / "restored", fresh_database)
    assert code == 0, error
    restored = tomllib.loads((tmp_path / "restored" / "instance.toml").read_text())
    assert restored["instance"]["secret_key"] == city.secret_key


def test_a_backup_never_replaces_an_existing_file(city: Settings, tmp_path: Path) -> None:
    path = tmp_path / "taken.tar.gz"
    path.write_text("precious")
    done = comptoir(city.path, "backup", "--output", str(path))
    assert done.returncode == 1
    assert "already exists" in done.stderr
    assert path.read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir() if "partial" in p.name) == []


def test_the_manifest_lists_every_file_with_its_checksum(city: Settings, archive: Path) -> None:
    with tarfile.open(archive, "r:gz") as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert names[-1] == "manifest.json"
    assert [f["path"] for f in manifest["files"]] == names[:-1]
    assert manifest["format_version"] == 1
    assert manifest["domain"] == city.domain
    assert manifest["database"]["backend"] == ("sqlite" if city.is_sqlite else "postgresql")
    assert manifest["migration_revision"] == migrate.head_revision()
    assert manifest["media"] == {"storage": "local"}
    assert all(len(f["sha256"]) == 64 and f["size"] > 0 for f in manifest["files"])


@postgresql_only
def test_a_postgresql_backup_without_pg_dump_on_the_path_says_so(
    city: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    path = tmp_path / "city.tar.gz"
    done = comptoir(city.path, "backup", "--output", str(path))
    assert done.returncode == 2
    assert "pg_dump was not found on PATH" in done.stderr
    assert not path.exists()


@postgresql_only
def test_a_postgresql_backup_is_not_restored_without_a_database_url(
    archive: Path, tmp_path: Path
) -> None:
    code, error = restore(archive, tmp_path / "restored")
    assert code == 2
    assert "give --database-url" in error
    assert not (tmp_path / "restored").exists()


@postgresql_only
def test_a_postgresql_backup_is_not_restored_into_a_database_with_tables(
    archive: Path, tmp_path: Path, fresh_database: str
) -> None:
    assert restore(archive, tmp_path / "first", fresh_database)[0] == 0
    code, error = restore(archive, tmp_path / "second", fresh_database)
    assert code == 1
    assert "is not empty" in error
    assert not (tmp_path / "second").exists()


def test_the_archive_leaves_the_database_password_out(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "city",
        domain="127.0.0.1:8999",
        database_url="postgresql://comptoir:hunter2-secret@db.internal:5432/city",
    )
    kept = sanitized_config(load_settings(config), with_secrets=False).decode()
    assert "hunter2-secret" not in kept
    assert tomllib.loads(kept)["database"]["url"] == "postgresql://comptoir@db.internal:5432/city"
    assert "hunter2-secret" in sanitized_config(load_settings(config), with_secrets=True).decode()


def test_pg_tools_get_the_database_password_in_their_environment_not_their_arguments() -> None:
    uri, env = postgres_dump._libpq("postgresql+psycopg://comptoir:hunter2@db:5432/city")
    assert uri == "postgresql://comptoir@db:5432/city"
    assert env["PGPASSWORD"] == "hunter2"


def test_photos_being_written_are_left_out(city: Settings, tmp_path: Path) -> None:
    (city.data_dir / "media" / ".0123456789abcdef0123456789abcdef.png.tmp").write_bytes(b"half")
    path = tmp_path / "city.tar.gz"
    assert comptoir(city.path, "backup", "--output", str(path)).returncode == 0
    with tarfile.open(path, "r:gz") as tar:
        media = [name for name in tar.getnames() if name.startswith("media/")]
    assert len(media) == 1 and not media[0].endswith(".tmp")


@SQLITE_ONLY
def test_a_sqlite_backup_refuses_a_database_url(archive: Path, tmp_path: Path) -> None:
    code, error = restore(archive, tmp_path / "restored", "postgresql://nobody@127.0.0.1:9/x")
    assert code == 2
    assert "this is a SQLite backup" in error
    assert not (tmp_path / "restored").exists()
