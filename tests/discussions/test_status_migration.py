"""Migration 0022: the threads and replies written before it get their statuses (oldest
first), and a downgrade takes those statuses away again."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text

from instance import migrate
from instance.database import Database

EARLY, LATE = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)


def _run(url: str, sql: str, **params: object) -> list[tuple[object, ...]]:
    database = Database(url, threads=1)
    try:
        with database.engine.begin() as conn:
            result = conn.execute(text(sql), params)
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        database.dispose()


def _downgrade(url: str, revision: str) -> None:
    database = Database(url, threads=1, for_migrations=True)
    try:
        with database.engine.begin() as connection:
            config = migrate.alembic_config(url)
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
    finally:
        database.dispose()


def test_existing_threads_and_replies_get_statuses_and_lose_them_on_downgrade(
    db_url: str,
) -> None:
    migrate.upgrade(db_url, "0021")
    _run(
        db_url,
        "INSERT INTO discussion_spaces (id, slug, title, description, opens_at, audience, state,"
        " private_key_pem, public_key_pem, created_at) VALUES (1, 'bikes', 'Bikes', '', :at,"
        " 'members', 'open', 'k', 'k', :at)",
        at=EARLY,
    )
    _run(
        db_url,
        "INSERT INTO discussion_threads (id, public_id, uri, space_id, title, content, pinned,"
        " locked, hidden, published, last_post_at) VALUES (1, 't1', 'https://a/threads/t1', 1,"
        " 'Tools?', '', false, false, false, :at, :at)",
        at=EARLY,
    )
    _run(
        db_url,
        "INSERT INTO discussion_posts (id, uri, thread_id, content, hidden, published)"
        " VALUES (1, 'https://a/posts/p1', 1, 'A pump', false, :at)",
        at=LATE,
    )
    migrate.upgrade(db_url)
    indexed = _run(db_url, "SELECT thread_id, post_id FROM statuses ORDER BY id")
    assert indexed == [(1, None), (None, 1)]

    _downgrade(db_url, "0021")
    assert _run(db_url, "SELECT count(*) FROM statuses") == [(0,)]
