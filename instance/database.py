"""The database: engines, and units of work run off the event loop.

We use SQLAlchemy's *sync* engine and run each unit of work (a whole transaction) in a
small thread pool. On this machine a sync Core lookup costs about 1/7 of an async one
over aiosqlite, because aiosqlite pays a cross-thread hop per statement while we pay
one hop per transaction (shared/research/perf-limits.md, finding 6; docs/ARCHITECTURE.md).

On SQLite every write transaction starts with `BEGIN IMMEDIATE`: writers queue on the
database lock at the start instead of failing half-way when a read lock cannot be
upgraded. That is also what makes job claiming safe there (one claimer at a time).
Within one process, SQLite writers also take a mutex before `BEGIN IMMEDIATE`: a writer that
finds the database lock held is put to sleep by SQLite's busy handler for growing intervals
(up to 100 ms a try) and notices the release only at its next try, so under concurrent
writes most of a write's latency was sleeping (bench.settlement: seconds per settlement for
milliseconds of work). The mutex hands over at once; the busy timeout remains for writers of
other processes (`comptoir worker`).

A write that queues background work (a new row in a queue table: `queue.enqueue*`, the
inbox writer, or an ORM-added row of a `QueueMixin` table) calls `Database.on_work_queued`
after its commit, so an in-process worker takes the work at once without anyone asking.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker
from sqlalchemy.pool import NullPool

from models import QueueMixin

T = TypeVar("T")
R = TypeVar("R")
UnitOfWork = Callable[[Session], T]

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
    "PRAGMA cache_size=-32768",
    "PRAGMA temp_store=MEMORY",
)


#: key in `Session.info`: this transaction added rows to a queue table
_QUEUED = "comptoir.work_queued"


#: key in `Session.info`: reads memoised for the rest of the transaction (`memo`)
_MEMO = "comptoir.memo"


def memo(
    session: Session, key: tuple[Any, ...], load: Callable[[], T], *, keep_none: bool = True
) -> T:
    """`load()` once per transaction for `key`: for rows a transaction reads again and again
    and never changes (a batch of settlement messages reads the same partner, rule and rule
    in force, and the partner's peer account, for every item: inbox/batch.py). Never for
    rows the transaction may change. A row the transaction may create is fine: any rollback,
    a savepoint's included, empties the memo (`_forget_memo`), so an id of a row rolled back
    is never handed out again. `keep_none=False`: a row not found is looked for again (the
    transaction may create it)."""
    cache: dict[tuple[Any, ...], Any] = session.info.setdefault(_MEMO, {})
    if key in cache:
        found: T = cache[key]
        return found
    result = load()
    if result is not None or keep_none:
        cache[key] = result
    return result


def remember(session: Session, key: tuple[Any, ...], value: Any) -> None:
    """Give `memo` the value of `key` read some other way: rows read together in one
    statement, each then found by its own key (the same rules as `memo`)."""
    session.info.setdefault(_MEMO, {})[key] = value


def _forget_memo(session: Session, _previous: Any) -> None:
    """after_soft_rollback (every rollback, savepoints included): what was memoised may
    name rows that are gone."""
    session.info.pop(_MEMO, None)


def note_work_queued(session: Session) -> None:
    """Say that the session's transaction queued background work (rows inserted with Core)."""
    session.info[_QUEUED] = True


def _note_new_queue_rows(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    """before_flush: ORM-added rows of a queue table are queued work too."""
    if any(isinstance(row, QueueMixin) for row in session.new):
        note_work_queued(session)


def _nothing_to_wake() -> None:
    pass


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
            kwargs: dict[str, Any] = (
                {"poolclass": NullPool}
                if for_migrations
                else {
                    "pool_size": threads,
                    "max_overflow": threads,
                    "pool_pre_ping": False,
                }
            )
            self.engine = create_engine(url, **kwargs)
            # A read is one snapshot: under READ COMMITTED each statement of a page could see
            # another commit (a thread's agreement without its accepted offer). Same pool.
            self.read_engine = self.engine.execution_options(isolation_level="REPEATABLE READ")
        #: SQLite: one writer at a time in this process, handed over without the busy
        #: handler's sleeps (reentrant: a nested write fails on the database lock as before)
        self._write_lock = threading.RLock() if self.dialect == "sqlite" else None
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        event.listen(self._writer, "before_flush", _note_new_queue_rows)
        event.listen(self._writer, "after_soft_rollback", _forget_memo)
        self._reader = sessionmaker(self.read_engine, expire_on_commit=False)
        self._threads = threads
        self._executor: ThreadPoolExecutor | None = None
        #: called (in the caller's thread) after a write that queued work has committed; the
        #: City sets it to wake its in-process worker
        self.on_work_queued: Callable[[], None] = _nothing_to_wake

    # -- synchronous API (CLI, migrations, tests, code already in a worker thread)

    def write_sync(self, work: UnitOfWork[T]) -> T:
        result, queued = self._commit(work)
        if queued:
            self.on_work_queued()
        return result

    def read_sync(self, work: UnitOfWork[T]) -> T:
        with self._reader() as session, session.begin():
            return work(session)

    # -- asynchronous API (request handlers and workers)

    async def write(self, work: UnitOfWork[T]) -> T:
        result, queued = await self._in_thread(self._commit, work)
        if queued:  # back on the event loop, where the worker's wake may be called
            self.on_work_queued()
        return result

    async def read(self, work: UnitOfWork[T]) -> T:
        return await self._in_thread(self.read_sync, work)

    def _commit(self, work: UnitOfWork[T]) -> tuple[T, bool]:
        """Run `work` in one write transaction; the result, and whether it queued work."""
        if self._write_lock is None:
            return self._transaction(work)
        with self._write_lock:
            return self._transaction(work)

    def _transaction(self, work: UnitOfWork[T]) -> tuple[T, bool]:
        with self._writer() as session:
            with session.begin():
                result = work(session)
            return result, bool(session.info.get(_QUEUED))

    async def _in_thread(self, runner: Callable[[UnitOfWork[T]], R], work: UnitOfWork[T]) -> R:
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
