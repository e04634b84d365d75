"""Full-text search over listings: FTS5 on SQLite, a generated tsvector on PostgreSQL.

Written by hand because Alembic cannot autogenerate either object. Listings are searched on
their title, description and place (exchange/search.py queries these with literal SQL):

- SQLite: an FTS5 external-content table `listings_fts` (the text stays in `listings`, the
  index holds only tokens) kept in step by three triggers. Tokens are unicode61 with
  diacritics folded, so "velo" finds "vélo".
- PostgreSQL: a STORED generated column `listings.search` (`to_tsvector('simple', ...)`: no
  stemming, since cities write in many languages; accented Latin letters folded with
  translate(), an immutable built-in) and a GIN index on it.
Query words are folded the same way in Python (exchange/search.py), so "vélo" finds "velo" too.

A later migration that rebuilds `listings` in SQLite batch mode must recreate the triggers.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_COLUMNS = "title, description, place"
_NEW = "new.id, new.title, new.description, new.place"
_OLD = "old.id, old.title, old.description, old.place"

SQLITE_UP = [
    (f"CREATE VIRTUAL TABLE listings_fts USING fts5({_COLUMNS}, content='listings', content_rowid='id', "
     "tokenize='unicode61 remove_diacritics 2')"),
    (f"CREATE TRIGGER listings_fts_insert AFTER INSERT ON listings BEGIN "
     f"INSERT INTO listings_fts(rowid, {_COLUMNS}) VALUES ({_NEW}); END"),
    (f"CREATE TRIGGER listings_fts_delete AFTER DELETE ON listings BEGIN "
     f"INSERT INTO listings_fts(listings_fts, rowid, {_COLUMNS}) VALUES ('delete', {_OLD}); END"),
    (f"CREATE TRIGGER listings_fts_update AFTER UPDATE OF {_COLUMNS} ON listings BEGIN "
     f"INSERT INTO listings_fts(listings_fts, rowid, {_COLUMNS}) VALUES ('delete', {_OLD}); "
     f"INSERT INTO listings_fts(rowid, {_COLUMNS}) VALUES ({_NEW}); END"),
    "INSERT INTO listings_fts(listings_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS listings_fts_update",
    "DROP TRIGGER IF EXISTS listings_fts_delete",
    "DROP TRIGGER IF EXISTS listings_fts_insert",
    "DROP TABLE IF EXISTS listings_fts",
]
#: the accents folded on PostgreSQL (translate() is immutable, unaccent() is not and needs an extension)
ACCENTED = "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿ"
PLAIN = "AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyy"
POSTGRESQL_UP = [
    ("ALTER TABLE listings ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, "
     "translate(coalesce(title, '') || ' ' || coalesce(description, '') || ' ' || coalesce(place, ''), "
     f"'{ACCENTED}', '{PLAIN}'))) STORED"),
    "CREATE INDEX ix_listings_search ON listings USING gin (search)",
]
POSTGRESQL_DOWN = [
    "DROP INDEX IF EXISTS ix_listings_search",
    "ALTER TABLE listings DROP COLUMN IF EXISTS search",
]


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    _run(SQLITE_UP if op.get_bind().dialect.name == "sqlite" else POSTGRESQL_UP)


def downgrade() -> None:
    _run(SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else POSTGRESQL_DOWN)
