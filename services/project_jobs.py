"""The deadline sweep of a project: decide it once, then resolve its pledges one by one.

`project.close` is queued for the project's deadline when staff open it (and for now when it
is cancelled). Its handler:

1. decides the project in one transaction (`funded` if the pending pledges reach the goal,
   else `failed`; a cancelled project stays cancelled) and returns without finishing the job
   if the deadline has not come (RetryLater);
2. resolves the pending pledges one per transaction (posted when funded, voided otherwise),
   the pledge's row and its ledger resolution together;
3. finishes the job, in the transaction that sends the owner's Update of the project's Page
   (final state and total) to the owner's and the market's followers.

A crash anywhere leaves the job leased to a dead worker; when the lease runs out another
worker claims it and runs the same steps: the decision is already made, the resolved pledges
are no longer pending, so it resolves the rest. Every step is a committed ledger state, so
`comptoir ledger check` passes at any point. `settle` is the same sweep for the command line
and the tests, without a job row.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from exchange import projects
from instance import queue
from instance.database import Database
from instance.outcomes import RetryLater
from models import Job, Member, ProjectState, utcnow
from outbox import projects as wire

from .projects import PROJECT_CLOSE

if TYPE_CHECKING:
    from instance.city import City
    from instance.jobs import JobHandler


def settle(db: Database, slug: str, *, now: datetime | None = None) -> ProjectState | None:
    """Decide the project and resolve every pending pledge, each in its own transaction.

    Returns the project's final state, or None when its deadline has not come yet. Running it
    again (after a crash, or twice) resolves what is left and nothing twice.
    """

    def decide(session: Session) -> ProjectState | None:
        project = projects.by_slug(session, slug)
        if not projects.decide(session, project, now=now or utcnow()):
            return None
        return project.state

    state = db.write_sync(decide)
    if state is None:
        return None
    while db.write_sync(lambda s: projects.resolve_next(s, projects.by_slug(s, slug), now=now)):
        pass
    return state


async def close(city: City, job: Job) -> None:
    slug = str(job.payload.get("project", ""))

    def decide(session: Session) -> bool:
        return projects.decide(session, projects.by_slug(session, slug), now=utcnow())

    if not await city.db.write(decide):
        raise RetryLater("the project's deadline has not come yet", after=1.0)
    while await city.db.write(
        lambda s: projects.resolve_next(s, projects.by_slug(s, slug), now=utcnow())
    ):
        pass

    def finish(session: Session) -> None:
        # the Update goes out with the job's end, in one transaction: exactly once
        project = projects.by_slug(session, slug)
        owner = session.get(Member, project.owner_id)
        assert owner is not None
        wire.federate_decision(session, city, project, owner)
        queue.finish(session, Job, [job.id], job.locked_by or "")

    await city.db.write(finish)


HANDLERS: dict[str, JobHandler] = {PROJECT_CLOSE: close}
