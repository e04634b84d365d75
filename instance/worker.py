"""The worker loop: claim due rows, run their handlers concurrently, record the outcomes.

The same loop runs inside `comptoir serve` (an asyncio task) and in `comptoir worker`
processes. It keeps up to `concurrency` handlers running and claims only as many rows as it
has free slots. Each loop turn is ONE write transaction: it records the outcomes of every
handler that finished since the last turn, renews the leases of the rows still running when
the heartbeat is due, and claims new rows. A turn starts as soon as any handler finishes, so
a finished row is recorded at once (rows that finish together share the transaction: no
write per row), and a worker killed with SIGKILL repeats only the rows it was handling.

Leases are short (`lease_seconds`, 30 s by default) and renewed every third of a lease while
the worker lives, so the rows of a dead worker are taken over by another within one lease.

A handler is an async function of the claimed row. It returns normally when done, raises
`RetryLater` to be tried again (optionally after a given delay, e.g. Retry-After), raises
`PermanentFailure` to give up at once (both in instance/outcomes.py), and any other exception
counts as a failed attempt retried with capped exponential backoff until the row's attempts
run out. A handler that must finish exactly once calls `queue.finish` inside its own
transaction; the loop's later bookkeeping then finds nothing left to do for that row.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import socket
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from models import QueueMixin, utcnow

from . import queue
from .database import Database
from .outcomes import PermanentFailure, RetryLater

log = logging.getLogger("comptoir.worker")

Handler = Callable[[Any], Awaitable[None]]
#: told, in the transaction that fails a row for good, which row (as claimed), the error and
#: the outcome's code (None when the handler gave none)
FailureHook = Callable[[Session, Any, str, str | None], None]


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:  # called from a thread without a loop
        return None


@dataclass
class Queue:
    """One claimable table and how to find the handler of one of its rows."""

    table: type[QueueMixin]
    handler_for: Callable[[Any], Handler]
    #: default attempts for tables without a max_attempts column
    max_attempts: int = 10
    #: called when a row fails for good (a PermanentFailure, or its last attempt), in the
    #: transaction that records it, so that what the row was for can say it did not happen
    on_failed: FailureHook | None = None


@dataclass
class _Outcome:
    queue: Queue
    row: Any
    error: str | None = None
    retry_after: float | None = None
    permanent: bool = False
    code: str | None = None


@dataclass
class Worker:
    db: Database
    queues: list[Queue]
    concurrency: int = 32
    poll_interval: float = 1.0
    #: how long a claimed row stays this worker's without a heartbeat
    lease_seconds: float = queue.LEASE.total_seconds()
    name: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{id(object()):x}"
    )

    def __post_init__(self) -> None:
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._running: set[asyncio.Task[None]] = set()
        self._outcomes: list[_Outcome] = []
        self._renewed = time.monotonic()
        #: the last turn rescheduled a row to run at once (no wake comes for it)
        self._due_now = False

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)

    @property
    def heartbeat_seconds(self) -> float:
        """Leases are renewed this often: three chances before one runs out."""
        return self.lease_seconds / 3

    def wake(self) -> None:
        """New work was committed in this process: look now rather than at the next poll.

        Called after commits (`Database.on_work_queued`), possibly from a database thread:
        the event is then set on the worker's own loop.
        """
        loop = self._loop
        if loop is None or _running_loop() is loop or not loop.is_running():
            self._wake.set()
        else:
            loop.call_soon_threadsafe(self._wake.set)

    @property
    def woken(self) -> bool:
        """A wake is pending: the loop's next wait returns at once instead of polling."""
        return self._wake.is_set()

    # ---------------------------------------------------------------- the loop

    async def run(self, stop: asyncio.Event) -> None:
        self._loop = asyncio.get_running_loop()
        log.info("worker %s started", self.name)
        try:
            while not stop.is_set():
                await self._turn()
                # Then wait for a wake. Work that a handler, a request or this turn queued
                # wakes the loop after its commit (Database.on_work_queued), and a finished
                # handler wakes it, so a turn never needs a second, empty one to find them:
                # that look-again turn was one write transaction in three (bench.settlement).
                # Only a row this turn rescheduled to run at once is looked for again now.
                if not self._due_now or len(self._running) >= self.concurrency:
                    await self._wait(stop)
        finally:
            if self._running:
                await asyncio.wait(self._running)
            await self._turn(claim=False)
            log.info("worker %s stopped", self.name)

    async def run_until_idle(self, *, max_turns: int = 10_000) -> int:
        """Process everything due now, then return the number of rows handled (tests, CLI)."""
        handled = 0
        for _ in range(max_turns):
            claimed, finished = await self._turn()
            handled += finished
            if self._running:
                await asyncio.wait(self._running)
            elif claimed == 0:
                return handled
        return handled

    async def _wait(self, stop: asyncio.Event) -> None:
        """Until a wake (new work committed, or a handler finished), a stop, or the next poll;
        never longer than a heartbeat while rows are running."""
        timeout = min(self.poll_interval, self.heartbeat_seconds) if self._running else None
        waiters: set[asyncio.Future[Any]] = {
            asyncio.ensure_future(self._wake.wait()),
            asyncio.ensure_future(stop.wait()),
        }
        _, pending = await asyncio.wait(
            waiters, timeout=timeout or self.poll_interval, return_when=asyncio.FIRST_COMPLETED
        )
        for waiter in pending:
            waiter.cancel()
        self._wake.clear()

    async def _turn(self, *, claim: bool = True) -> tuple[int, int]:
        """One transaction: record what finished, renew leases if due, claim into free slots.

        Returns (rows claimed and started, outcomes recorded)."""
        outcomes, self._outcomes = self._outcomes, []
        self._due_now = any(o.error is not None and not o.permanent for o in outcomes)
        free = self.concurrency - len(self._running) if claim else 0
        renew = bool(self._running) and (time.monotonic() - self._renewed >= self.heartbeat_seconds)
        if not outcomes and not renew and free <= 0:
            return 0, 0
        if renew:
            self._renewed = time.monotonic()
        try:
            claimed = await self.db.write(
                functools.partial(self._transaction, outcomes, renew, free)
            )
        except Exception:  # the database failed us: keep the outcomes for the next turn
            self._outcomes[:0] = outcomes
            raise
        for q, rows in claimed:
            for row in rows:
                task = asyncio.create_task(self._execute(q, row))
                self._running.add(task)
                task.add_done_callback(self._running.discard)
        return sum(len(rows) for _, rows in claimed), len(outcomes)

    def _transaction(
        self, outcomes: list[_Outcome], renew: bool, free: int, session: Session
    ) -> list[tuple[Queue, list[Any]]]:
        now = utcnow()
        self._apply(session, outcomes, now)
        if renew:
            for q in self.queues:
                queue.renew(session, q.table, self.name, now, lease=self.lease)
        claimed: list[tuple[Queue, list[Any]]] = []
        for q in self.queues:
            if free <= 0:
                break
            rows = queue.claim(session, q.table, self.name, free, now, lease=self.lease)
            free -= len(rows)
            if rows:
                claimed.append((q, rows))
        return claimed

    async def _execute(self, q: Queue, row: Any) -> None:
        outcome = _Outcome(queue=q, row=row)
        try:
            await q.handler_for(row)(row)
        except RetryLater as exc:
            outcome.error, outcome.retry_after = str(exc) or "retry later", exc.after
            outcome.code = exc.code
        except PermanentFailure as exc:
            outcome.error, outcome.permanent = str(exc) or "failed", True
            outcome.code = exc.code
        except Exception as exc:  # a handler bug or an unexpected answer: count the attempt
            outcome.error = f"{type(exc).__name__}: {exc}"
            log.warning(
                "%s %s failed: %s\n%s",
                getattr(q.table, "__tablename__", q.table.__name__),
                row.id,
                outcome.error,
                traceback.format_exc(limit=6),
            )
        self._outcomes.append(outcome)
        self._wake.set()  # the loop turns now and records it

    def _apply(self, session: Session, outcomes: list[_Outcome], now: datetime) -> None:
        done: dict[type[QueueMixin], list[int]] = {}
        for o in outcomes:
            table, row = o.queue.table, o.row
            max_attempts = getattr(row, "max_attempts", o.queue.max_attempts)
            if o.error is None:
                done.setdefault(table, []).append(row.id)
            elif o.permanent or row.attempts >= max_attempts:
                if queue.fail(session, table, row.id, self.name, o.error):
                    self._failed(session, o)
            else:
                delay = o.retry_after if o.retry_after is not None else queue.backoff(row.attempts)
                delay = min(max(delay, 0.0), queue.BACKOFF_CAP)
                queue.reschedule(
                    session, table, row.id, self.name, o.error, now + timedelta(seconds=delay)
                )
        for table, ids in done.items():
            queue.finish(session, table, ids, self.name)

    def _failed(self, session: Session, o: _Outcome) -> None:
        """Run the queue's failure hook in a savepoint: its bug must not lose the outcomes."""
        hook = o.queue.on_failed
        if hook is None:
            return
        try:
            with session.begin_nested():
                hook(session, o.row, o.error or "failed", o.code)
        except Exception:
            log.exception("failure hook of %s %s", o.queue.table.__name__, o.row.id)
