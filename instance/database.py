"""The database: engines, and units of work run off the event loop.

We use SQLAlchemy's *sync* engine and run each unit of work (a whole transaction) in a
small thread pool. On this machine a sync Core lookup costs about 1/7 of an async one
over aiosqlite, because aiosqlite pays a cross-thread hop per statement while we pay
one hop per transaction (shared/research/perf-limits.md, finding 6; docs/ARCHITECTURE.md).

On SQLite every write transaction starts with `BEGIN IMMEDIATE`: writers queue on the
database lock at the start instead of failing half-way when a read lock cannot be
upgraded. That is also what makes job claiming safe there (one claimer at a time).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

T = TypeVar("T")
UnitOfWork = Callable[[Session], T]

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
    "PRAGMA cache_size=-32768",
    "PRAGMA temp_store=MEMORY",
)


def _sqlite_engine(url: str, *, begin: str, pool_size: int) -> Engine:
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=pool_size,
        max_overflow=pool_size,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so that our BEGIN is the one used.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine


class Database:
    """Owns the engines and the thread pool in which sessions run.

    `write` and `read` take a function of a Session and run it inside one transaction,
    committed when the function returns and rolled back if it raises. Domain code
    receives the session and never commits.
    """

    def __init__(self, url: str, *, threads: int = 8, for_migrations: bool = False) -> None:
        self.url = url
        self.dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
        if self.dialect == "sqlite":
            self.engine = _sqlite_engine(url, begin="BEGIN IMMEDIATE", pool_size=threads)
            self.read_engine = _sqlite_engine(url, begin="BEGIN", pool_size=threads)
        else:
            kwargs: dict[str, Any] = {"poolclass": NullPool} if for_migrations else {
                "pool_size": threads,
                "max_overflow": threads,
                "pool_pre_ping": False,
            }
            self.engine = create_engine(url, **kwargs)
            self.read_engine = self.engine
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = sessionmaker(self.read_engine, expire_on_commit=False)
        self._threads = threads
        self._executor: ThreadPoolExecutor | None = None

    # -- synchronous API (CLI, migrations, tests, code already in a worker thread)

    def write_sync(self, work: UnitOfWork[T]) -> T:
        with self._writer() as session, session.begin():
            return work(session)

    def read_sync(self, work: UnitOfWork[T]) -> T:
        with self._reader() as session, session.begin():
            return work(session)

    # -- asynchronous API (request handlers and workers)

    async def write(self, work: UnitOfWork[T]) -> T:
        return await self._in_thread(self.write_sync, work)

    async def read(self, work: UnitOfWork[T]) -> T:
        return await self._in_thread(self.read_sync, work)

    async def _in_thread(self, runner: Callable[[UnitOfWork[T]], T], work: UnitOfWork[T]) -> T:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self._threads, thread_name_prefix="db")
        loop = asyncio.get_running_loop()
        call = functools.partial(contextvars.copy_context().run, runner, work)
        return await loop.run_in_executor(self._executor, call)

    def dispose(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
