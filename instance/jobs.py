"""The generic job table as a worker queue: a job's `kind` picks its handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING

from models import Job

from .outcomes import PermanentFailure
from .worker import Handler, Queue

if TYPE_CHECKING:
    from .city import City

JobHandler = Callable[["City", Job], Awaitable[None]]


def job_queue(city: City, handlers: Mapping[str, JobHandler]) -> Queue:
    def handler_for(job: Job) -> Handler:
        handler = handlers.get(job.kind)
        if handler is None:
            return _unknown

        async def run(row: Job) -> None:
            await handler(city, row)

        return run

    return Queue(Job, handler_for)


async def _unknown(job: Job) -> None:
    raise PermanentFailure(f"no handler for job kind {job.kind!r}")
