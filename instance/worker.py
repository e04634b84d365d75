"""The worker loop: claim due rows, run their handlers concurrently, record the outcomes.

The same loop runs inside `comptoir serve` (an asyncio task) and in `comptoir worker`
processes. It keeps up to `concurrency` handlers running, claims only as many rows as it
has free slots, and records finished rows in one transaction per loop turn.

A handler is an async function of the claimed row. It returns normally when done, raises
`RetryLater` to be tried again (optionally after a given delay, e.g. Retry-After), raises
`PermanentFailure` to give up at once (both in instance/outcomes.py), and any other exception
counts as a failed attempt retried with capped exponential backoff until the row's attempts
run out. A handler that must finish exactly once calls `queue.finish` inside its own
transaction; the loop's later bookkeeping then finds nothing left to do for that row.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from models import QueueMixin, utcnow

from . import queue
from .database import Database
from .outcomes import PermanentFailure, RetryLater

log = logging.getLogger("comptoir.worker")

Handler = Callable[[Any], Awaitable[None]]


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


@dataclass
class _Outcome:
    queue: Queue
    row_id: int
    error: str | None = None
    retry_after: float | None = None
    permanent: bool = False
    attempts: int = 0
    max_attempts: int = 0


@dataclass
class Worker:
    db: Database
    queues: list[Queue]
    concurrency: int = 32
    poll_interval: float = 1.0
    name: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{id(object()):x}")

    def __post_init__(self) -> None:
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._running: set[asyncio.Task[None]] = set()
        self._outcomes: list[_Outcome] = []

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
                claimed = await self._claim_and_start()
                finished = await self._record_outcomes()
                # Finished handlers may have queued new work (a reply, a delivery): look again
                # at once. Wait only when this turn found nothing to start and nothing ended.
                if (claimed == 0 and finished == 0) or len(self._running) >= self.concurrency:
                    await self._wait(stop)
        finally:
            if self._running:
                await asyncio.wait(self._running)
            await self._record_outcomes()
            log.info("worker %s stopped", self.name)

    async def run_until_idle(self, *, max_turns: int = 10_000) -> int:
        """Process everything due now, then return the number of rows handled (tests, CLI)."""
        handled = 0
        for _ in range(max_turns):
            claimed = await self._claim_and_start()
            if self._running:
                await asyncio.wait(self._running)
            handled += len(self._outcomes)
            await self._record_outcomes()
            if claimed == 0 and not self._running:
                return handled
        return handled

    async def _wait(self, stop: asyncio.Event) -> None:
        waiters: set[asyncio.Future[Any]] = {
            asyncio.ensure_future(self._wake.wait()),
            asyncio.ensure_future(stop.wait()),
        }
        if self._running:
            waiters.add(asyncio.ensure_future(asyncio.wait(self._running, return_when=asyncio.FIRST_COMPLETED)))
        _, pending = await asyncio.wait(waiters, timeout=self.poll_interval, return_when=asyncio.FIRST_COMPLETED)
        for waiter in pending:
            waiter.cancel()
        self._wake.clear()

    async def _claim_and_start(self) -> int:
        claimed = 0
        for q in self.queues:
            free = self.concurrency - len(self._running)
            if free <= 0:
                break
            rows = await self.db.write(lambda s, q=q, free=free: queue.claim(s, q.table, self.name, free))
            for row in rows:
                task = asyncio.create_task(self._execute(q, row))
                self._running.add(task)
                task.add_done_callback(self._running.discard)
            claimed += len(rows)
        return claimed

    async def _execute(self, q: Queue, row: Any) -> None:
        outcome = _Outcome(
            queue=q,
            row_id=row.id,
            attempts=row.attempts,
            max_attempts=getattr(row, "max_attempts", q.max_attempts),
        )
        try:
            await q.handler_for(row)(row)
        except RetryLater as exc:
            outcome.error, outcome.retry_after = str(exc) or "retry later", exc.after
        except PermanentFailure as exc:
            outcome.error, outcome.permanent = str(exc) or "failed", True
        except Exception as exc:  # a handler bug or an unexpected answer: count the attempt
            outcome.error = f"{type(exc).__name__}: {exc}"
            log.warning("%s %s failed: %s\n%s", q.table.__tablename__, row.id, outcome.error,  # type: ignore[attr-defined]
                        traceback.format_exc(limit=6))
        self._outcomes.append(outcome)

    async def _record_outcomes(self) -> int:
        if not self._outcomes:
            return 0
        outcomes, self._outcomes = self._outcomes, []
        await self.db.write(lambda s: self._apply(s, outcomes))
        return len(outcomes)

    def _apply(self, session: Session, outcomes: list[_Outcome]) -> None:
        now = utcnow()
        done: dict[type[QueueMixin], list[int]] = {}
        for o in outcomes:
            table = o.queue.table
            if o.error is None:
                done.setdefault(table, []).append(o.row_id)
            elif o.permanent or o.attempts >= o.max_attempts:
                queue.fail(session, table, o.row_id, self.name, o.error)
            else:
                delay = o.retry_after if o.retry_after is not None else queue.backoff(o.attempts)
                delay = min(max(delay, 0.0), queue.BACKOFF_CAP)
                queue.reschedule(session, table, o.row_id, self.name, o.error, now + timedelta(seconds=delay))
        for table, ids in done.items():
            queue.finish(session, table, ids, self.name)
