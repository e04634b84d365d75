"""The generic job table as a worker queue: a job's `kind` picks its handler, and the hook
told when a job of that kind fails for good (a delivery then records what did not arrive)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from models import Job

from .outcomes import PermanentFailure
from .worker import Handler, Queue

if TYPE_CHECKING:
    from .city import City

JobHandler = Callable[["City", Job], Awaitable[None]]
#: (session, the failed job, its error, the outcome's code), in the transaction that fails it
JobFailureHook = Callable[[Session, Job, str, "str | None"], None]


def job_queue(
    city: City,
    handlers: Mapping[str, JobHandler],
    failure_hooks: Mapping[str, JobFailureHook] | None = None,
) -> Queue:
    hooks = dict(failure_hooks or {})

    def on_failed(session: Session, job: Job, error: str, code: str | None) -> None:
        hook = hooks.get(job.kind)
        if hook is not None:
            hook(session, job, error, code)

    def handler_for(job: Job) -> Handler:
        handler = handlers.get(job.kind)
        if handler is None:
            return _unknown

        async def run(row: Job) -> None:
            await handler(city, row)

        return run

    return Queue(Job, handler_for, on_failed=on_failed if hooks else None)


async def _unknown(job: Job) -> None:
    raise PermanentFailure(f"no handler for job kind {job.kind!r}")
