"""`poll.close`: queued for a poll's `closes_at` when staff attach it. At that time the poll
closes and the Group publishes its result (the Update of the Question), and the job is
finished, all in one transaction: the result goes out exactly once, even when a worker dies
and another claims the job again. A poll staff closed early is found closed: the job ends
with nothing more to send."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from exchange import polls
from instance import queue
from instance.outcomes import RetryLater
from models import Job, utcnow

from .polls import POLL_CLOSE, close_if_due

if TYPE_CHECKING:
    from instance.city import City
    from instance.jobs import JobHandler


async def close(city: City, job: Job) -> None:
    public_id = str(job.payload.get("poll", ""))

    def work(session: Session) -> timedelta | None:
        if not close_if_due(session, city, public_id):
            return polls.find(session, public_id).closes_at - utcnow()
        queue.finish(session, Job, [job.id], job.locked_by or "")
        return None

    wait = await city.db.write(work)
    if wait is not None:
        raise RetryLater("the poll's time has not come yet", after=max(wait.total_seconds(), 1.0))


HANDLERS: dict[str, JobHandler] = {POLL_CLOSE: close}
