"""Migration 0040: the listings kept before it get their description's hashtags and the
links of those other than their category; a downgrade takes both away and leaves the
listings."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import inspect, text

from instance import migrate
from instance.database import Database

from ..instance.test_migrations import downgrade_to

AT = datetime(2026, 1, 1, tzinfo=UTC)


def _run(url: str, sql: str, **params: object) -> list[tuple[object, ...]]:
    database = Database(url, threads=1)
    try:
        with database.engine.begin() as conn:
            result = conn.execute(text(sql), params)
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        database.dispose()


def _listing(url: str, listing_id: int, description: str, category: str | None) -> None:
    _run(
        url,
        "INSERT INTO listings (id, public_id, uri, origin, purpose, title, description,"
        " category, currency, scale, quantity, place, photos, state, created_at,"
        " moderation_reason) VALUES (:id, :pid, :uri, 'a.example', 'offer', 'Bike',"
        " :description, :category, 'GRN', 2, 1, '', '[]', 'published', :at, '')",
        id=listing_id,
        pid=f"p{listing_id}",
        uri=f"https://a.example/listings/p{listing_id}",
        description=description,
        category=category,
        at=AT,
    )
    _run(
        url, "INSERT INTO statuses (listing_id, created_at) VALUES (:id, :at)", id=listing_id, at=AT
    )


def test_existing_listings_get_their_hashtags_and_lose_them_on_downgrade(db_url: str) -> None:
    migrate.upgrade(db_url, "0039")
    _run(db_url, "INSERT INTO hashtags (name, created_at) VALUES ('bike', :at)", at=AT)
    _listing(db_url, 1, "A #Velo with a #bike bell, see x.example/#frag", "velo")
    _listing(db_url, 2, "No hashtag here", None)
    migrate.upgrade(db_url)

    kept = _run(db_url, "SELECT id, hashtags FROM listings ORDER BY id")
    assert [(i, h if isinstance(h, list) else json.loads(str(h))) for i, h in kept] == [
        (1, ["velo", "bike"]),
        (2, []),
    ]
    links = _run(
        db_url,
        "SELECT l.listing_id, h.name, l.status_id = s.id FROM listing_hashtags l"
        " JOIN hashtags h ON h.id = l.hashtag_id JOIN statuses s ON s.listing_id = l.listing_id",
    )
    assert [(i, n, bool(same)) for i, n, same in links] == [(1, "bike", True)]

    database = Database(db_url, threads=1, for_migrations=True)
    try:
        downgrade_to(db_url, "0039")
        with database.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            columns = {c["name"] for c in inspect(conn).get_columns("listings")}
    finally:
        database.dispose()
    assert "listing_hashtags" not in tables and "hashtags" not in columns
    assert _run(db_url, "SELECT count(*) FROM listings") == [(2,)]
    migrate.upgrade(db_url)
    assert _run(db_url, "SELECT count(*) FROM listing_hashtags") == [(1,)]
