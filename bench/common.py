"""Helpers shared by the benchmarks: fresh databases, raw baselines, printing."""

from __future__ import annotations

import os
import secrets
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

PG_BASE = os.environ.get("COMPTOIR_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pg_available() -> bool:
    try:
        engine = create_engine(PG_BASE, poolclass=NullPool)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@contextmanager
def fresh_database(backend: str) -> Iterator[str]:
    """A migrated, empty database URL of `backend`, removed afterwards."""
    from instance import migrate

    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.sqlite3"
            migrate.upgrade(url)
            yield url
        return
    schema = f"bench_{secrets.token_hex(4)}"
    engine = create_engine(PG_BASE, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_BASE}?options=-csearch_path%3D{schema}"
    try:
        migrate.upgrade(url)
        yield url
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def raw_insert_rate(backend: str, seconds: float = 2.0) -> float:
    """Single-row committed inserts per second through the bare driver: the baseline."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            conn = sqlite3.connect(Path(tmp) / "raw.sqlite3", isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
            n, start = 0, time.perf_counter()
            while time.perf_counter() - start < seconds:
                conn.execute("BEGIN")
                conn.execute("INSERT INTO t (v) VALUES ('x')")
                conn.execute("COMMIT")
                n += 1
            conn.close()
            return n / (time.perf_counter() - start)
    import psycopg

    dsn = PG_BASE.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TEMP TABLE t (id serial PRIMARY KEY, v text)")
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            with conn.transaction():
                conn.execute("INSERT INTO t (v) VALUES ('x')")
            n += 1
        return n / (time.perf_counter() - start)


def row(
    label: str, value: float, unit: str, baseline: float | None = None, *, precise: bool = False
) -> None:
    ratio = f"  ({value / baseline:.2f}x baseline)" if baseline else ""
    figure = f"{value:>10,.1f}" if precise else f"{value:>10,.0f}"
    print(f"  {label:<58} {figure} {unit}{ratio}", flush=True)
