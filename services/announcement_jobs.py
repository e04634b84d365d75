"""`announcement.publish`: queued for a scheduled announcement's `scheduled_at` when staff
write it (exchange.announcements.add). It publishes every scheduled draft then due
(`publish_due`, a compare-and-set update) and finishes itself in the same transaction, so
an announcement is published once however many worker processes run such jobs at once, or
when a job is claimed again after its worker died. Apps' streams see the publication by its
`updated_at` and send `announcement` then. An announcement staff published or removed first
is simply not found; one whose time has not come on this process's clock is tried again
then.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from exchange import announcements
from instance import queue
from instance.outcomes import RetryLater
from models import Announcement, AnnouncementState, Job, utcnow

if TYPE_CHECKING:
    from instance.city import City
    from instance.jobs import JobHandler


async def publish(city: City, job: Job) -> None:
    number = job.payload.get("announcement")

    def work(session: Session) -> timedelta | None:
        now = utcnow()
        announcements.publish_due(session, now)
        row = session.get(Announcement, number) if isinstance(number, int) else None
        due = row.scheduled_at if row is not None else None
        if row is not None and row.state is AnnouncementState.draft and due is not None:
            return due - now  # not due on this clock yet (publish_due left it)
        queue.finish(session, Job, [job.id], job.locked_by or "")
        return None

    wait = await city.db.write(work)
    if wait is not None:
        raise RetryLater(
            "the announcement's time has not come yet", after=max(wait.total_seconds(), 1.0)
        )


HANDLERS: dict[str, JobHandler] = {announcements.PUBLISH_JOB: publish}
