"""Migrations build the whole schema from an empty database, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect

from instance import migrate
from instance.database import Database
from models import Base


def test_upgrade_from_empty_creates_every_table(db_url: str) -> None:
    migrate.upgrade(db_url)
    database = Database(db_url, threads=1)
    try:
        with database.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
    finally:
        database.dispose()
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_a_fresh_database_is_behind_and_an_upgraded_one_is_not(db_url: str) -> None:
    database = Database(db_url, threads=1)
    try:
        assert migrate.pending_revisions(database)
        migrate.upgrade(db_url)
        assert not migrate.pending_revisions(database)
    finally:
        database.dispose()


def test_upgrading_twice_changes_nothing(db_url: str) -> None:
    migrate.upgrade(db_url)
    migrate.upgrade(db_url)
    database = Database(db_url, threads=1)
    try:
        assert not migrate.pending_revisions(database)
    finally:
        database.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path}/wal.sqlite3"
    migrate.upgrade(url)
    database = Database(url, threads=1)
    try:
        mode = database.read_sync(
            lambda s: s.connection().exec_driver_sql("PRAGMA journal_mode").scalar()
        )
    finally:
        database.dispose()
    assert mode == "wal"
