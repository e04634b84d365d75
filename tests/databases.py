"""Test databases on PostgreSQL: empty schemas, and migrated schemas reused between tests.

Creating fifty tables and their indexes costs PostgreSQL seconds on this machine, and most
tests want nothing but a migrated, empty database. So each test process keeps a pool of
migrated schemas: a test borrows one and, when it ends, the schema is put back as the
migrations left it (every row deleted, the migrations' own rows and the sequences restored
from a pristine copy) and lent again. A schema that cannot be reset within a few seconds
(a connection still holding a lock) or whose tables changed is dropped, never lent again.

The migrations themselves still run: once per process for the pristine copy, from empty in
tests/instance/test_migrations.py, and wherever a test asks for an empty schema.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.pool import NullPool

from instance import migrate
from instance.settings import normalise_database_url

PG_URL = os.environ.get("COMPTOIR_TEST_DATABASE_URL", "")


#: test databases need no durability across a PostgreSQL crash: commits do not wait for the
#: WAL to reach the disk (a test's many small commits waited on fsync, not on the CPU)
NO_FSYNC_WAIT = "%20-csynchronous_commit%3Doff"


def schema_url(base: str, name: str) -> str:
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{name}{NO_FSYNC_WAIT}"


def schema_of(url: str) -> str:
    return url.rsplit("search_path%3D", 1)[1].removesuffix(NO_FSYNC_WAIT)


class Schemas:
    """Creates fresh, empty PostgreSQL schemas (one per database a test asks for), drops them."""

    def __init__(self) -> None:
        self.base = normalise_database_url(PG_URL, Path.cwd())
        self.created: list[str] = []

    def new_url(self) -> str:
        name = f"t_{secrets.token_hex(6)}"
        engine = create_engine(self.base, poolclass=NullPool)
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        engine.dispose()
        self.created.append(name)
        return schema_url(self.base, name)

    def drop_all(self) -> None:
        if not self.created:
            return
        engine = create_engine(self.base, poolclass=NullPool)
        # one transaction per schema: dropping one locks each of its tables, indexes and
        # sequences until commit, and all of a process's schemas in one transaction (with
        # other processes dropping theirs) ran out of PostgreSQL's shared lock table
        for name in self.created:
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        engine.dispose()
        self.created.clear()


class MigratedSchemas:
    """A per-process pool of migrated schemas, reset to their just-migrated state between tests."""

    def __init__(self) -> None:
        self.base = normalise_database_url(PG_URL, Path.cwd())
        self.engine = create_engine(self.base, poolclass=NullPool)
        self.schemas = Schemas()
        self.tables: list[str] = []
        #: what the migrations wrote, read from the first schema before it was lent
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.sequences: dict[str, tuple[int, bool]] = {}
        self.free: list[str] = []

    def borrow(self) -> str:
        """The URL of a migrated schema no other test is using."""
        if self.free:
            name = self.free.pop()
        else:
            url = self.schemas.new_url()
            migrate.upgrade(url)
            name = schema_of(url)
            if not self.tables:
                with self.engine.connect() as conn:
                    self._remember(conn, name)
        return schema_url(self.base, name)

    def give_back(self, url: str) -> None:
        """Reset the schema behind `url` and lend it again; drop it if it cannot be reset."""
        name = schema_of(url)
        try:
            with self.engine.begin() as conn:
                self._reset(conn, name)
        except Exception:  # a lock still held, a table dropped: this schema is not lent again
            with self.engine.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '10s'"))
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
            self.schemas.created.remove(name)
            return
        self.free.append(name)

    def close(self) -> None:
        self.schemas.drop_all()
        self.engine.dispose()

    def _remember(self, conn: Connection, name: str) -> None:
        self.tables = self._tables(conn, name)
        for table in self.tables:
            rows = [
                dict(row)
                for row in conn.execute(text(f'SELECT * FROM "{name}"."{table}"')).mappings()
            ]
            if rows:  # JSON values go back as JSON, not as PostgreSQL arrays
                self.rows[table] = [
                    {k: Jsonb(v) if isinstance(v, dict | list) else v for k, v in row.items()}
                    for row in rows
                ]
        for sequence in conn.execute(
            text(
                "SELECT sequence_name FROM information_schema.sequences "
                "WHERE sequence_schema = :schema"
            ),
            {"schema": name},
        ).scalars():
            value, called = conn.execute(
                text(f'SELECT last_value, is_called FROM "{name}"."{sequence}"')
            ).one()
            self.sequences[sequence] = (value, called)

    @staticmethod
    def _tables(conn: Connection, schema: str) -> list[str]:
        return list(
            conn.execute(
                text(  # the catalog itself: information_schema costs tens of ms per reset
                    "SELECT relname FROM pg_class"
                    " WHERE relnamespace = CAST(:schema AS regnamespace)"
                    " AND relkind IN ('r', 'p') ORDER BY relname"
                ),
                {"schema": schema},
            ).scalars()
        )

    def _reset(self, conn: Connection, name: str) -> None:
        if self._tables(conn, name) != self.tables:
            raise RuntimeError(f"the tables of schema {name} changed")
        conn.execute(text("SET LOCAL lock_timeout = '3s'"))
        # Foreign keys are not checked while every table is emptied and refilled at once.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in self.tables:
            conn.execute(text(f'DELETE FROM "{name}"."{table}"'))
        for table, rows in self.rows.items():
            columns = ", ".join(f'"{column}"' for column in rows[0])
            values = ", ".join(f":{column}" for column in rows[0])
            conn.execute(
                text(
                    f'INSERT INTO "{name}"."{table}" ({columns}) OVERRIDING SYSTEM VALUE '
                    f"VALUES ({values})"
                ),
                rows,
            )
        for sequence, (value, called) in self.sequences.items():
            conn.execute(
                text("SELECT setval(:sequence, :value, :called)"),
                {"sequence": f'"{name}"."{sequence}"', "value": value, "called": called},
            )


#: the catalogs that creating and dropping schemas leaves dead rows in
_CATALOGS = (
    "pg_attribute",
    "pg_attrdef",
    "pg_class",
    "pg_constraint",
    "pg_depend",
    "pg_index",
    "pg_namespace",
    "pg_sequence",
    "pg_statistic",
    "pg_trigger",
    "pg_type",
)


def vacuum_catalog() -> None:
    """Make the dead catalog rows of dropped test schemas reusable.

    A run creates and drops hundreds of schemas of fifty tables; where autovacuum is off (as on
    this machine) their rows stay in pg_attribute, pg_class and pg_depend for good, which grew
    to hundreds of megabytes over a day of runs and slowed every later schema's DDL and
    catalog lookups. Plain VACUUM takes no exclusive lock, so suites running at once are safe."""
    engine = create_engine(
        normalise_database_url(PG_URL, Path.cwd()),
        poolclass=NullPool,
        isolation_level="AUTOCOMMIT",
    )
    try:
        with engine.connect() as conn:
            conn.execute(text("VACUUM " + ", ".join(f"pg_catalog.{t}" for t in _CATALOGS)))
    finally:
        engine.dispose()
