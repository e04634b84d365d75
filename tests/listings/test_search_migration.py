"""Migration 0002: the full-text objects exist after upgrade, go with a downgrade,
come back with an upgrade."""

from __future__ import annotations

from sqlalchemy import inspect, text

from instance import migrate
from instance.database import Database


def search_objects(url: str) -> set[str]:
    database = Database(url, threads=1)
    try:
        with database.engine.connect() as conn:
            if database.dialect == "sqlite":
                rows = conn.execute(
                    text("SELECT name FROM sqlite_master WHERE name LIKE 'listings_fts%'")
                )
                return {row[0] for row in rows}
            columns = {c["name"] for c in inspect(conn).get_columns("listings")}
            indexes = {i["name"] for i in inspect(conn).get_indexes("listings")}
            return ({"search"} & columns) | ({"ix_listings_search"} & indexes)
    finally:
        database.dispose()


def test_upgrade_creates_the_full_text_objects(db_url: str) -> None:
    migrate.upgrade(db_url)
    found = search_objects(db_url)
    assert "listings_fts" in found or found == {"search", "ix_listings_search"}


def test_downgrade_removes_them_and_upgrade_brings_them_back(db_url: str) -> None:
    migrate.upgrade(db_url)
    before = search_objects(db_url)
    _downgrade(db_url, "0001")
    assert search_objects(db_url) == set()
    migrate.upgrade(db_url)
    assert search_objects(db_url) == before


def _downgrade(url: str, revision: str) -> None:
    from alembic import command

    database = Database(url, threads=1, for_migrations=True)
    try:
        with database.engine.begin() as connection:
            config = migrate.alembic_config(url)
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
    finally:
        database.dispose()
