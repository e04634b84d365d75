"""Alembic, driven from code: `comptoir db upgrade`, `serve` on SQLite, and the tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

import migrations

from .database import Database


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


#: the PostgreSQL advisory lock that makes concurrent upgrades take turns ("comptoir" in ASCII)
MIGRATION_LOCK = 0x636F6D70746F6972


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision`, in one transaction.

    On PostgreSQL the transaction first takes an advisory lock: hosts upgrading at the same
    moment run one after the other, and the later ones find nothing left to do. (SQLite's
    write lock already serialises them.)
    """
    database = Database(url, threads=1, for_migrations=True)
    try:
        with database.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        database.dispose()


def head_revision() -> str:
    """The newest migration of this code (one head: the chain never branches)."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def pending_revisions(database: Database) -> bool:
    """True when the database is behind the code's migrations."""
    script = ScriptDirectory.from_config(alembic_config(database.url))
    with database.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current != set(script.get_heads())
