"""Projects and pledges, as members and staff ask for them: the domain change, the deadline
job and the federation it causes, in the caller's transaction (one per use case).

- `propose`: any active member (an association's account too) proposes; a draft.
- `approve`: staff open it: the project's ledger account is made, the deadline job
  (`project.close`, services/project_jobs.py) is queued for the deadline, and the city market
  Announces the project to its followers.
- `cancel`: staff or the owner; the same job is queued to run now, and voids the pledges.
- `pledge` / `withdraw`: a member's pending transfer to the project, and its void.
- `add_photos` / `remove_photo`: the owner or staff change the photos of a draft or open
  project; an open project's Page is updated for its followers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from exchange import members, projects
from exchange.projects import Proposal
from instance import queue
from instance.city import City
from models import Job, JobState, Member, Pledge, Project, utcnow
from outbox import projects as wire

#: the job that decides a project at its deadline and resolves its pledges
PROJECT_CLOSE = "project.close"


def schedule_close(session: Session, project: Project, *, run_at: datetime) -> None:
    """Queue the project's deadline job (a singleton per project: the key)."""
    key = f"{PROJECT_CLOSE}:{project.slug}"
    queue.enqueue(session, PROJECT_CLOSE, {"project": project.slug}, run_at=run_at, key=key)
    # a job already queued for a later deadline (a cancellation) is brought forward
    session.execute(
        update(Job)
        .where(Job.key == key, Job.state == JobState.queued, Job.run_at > run_at)
        .values(run_at=run_at)
    )


def propose(
    session: Session,
    city: City,
    owner: Member,
    proposal: Proposal,
    *,
    photos: list[dict[str, Any]] | None = None,
    now: datetime | None = None,
) -> Project:
    return projects.propose(
        session,
        city.settings.currency,
        owner,
        proposal,
        uri=city.urls.project(proposal.slug),
        photo_entries=photos,
        now=now,
    )


def add_photos(
    session: Session, city: City, slug: str, by: Member, entries: list[dict[str, Any]]
) -> Project:
    project = projects.add_photos(session, projects.by_slug(session, slug), by, entries)
    wire.federate_progress(session, city, project)
    return project


def remove_photo(session: Session, city: City, slug: str, by: Member, index: int) -> str:
    project = projects.by_slug(session, slug)
    name = projects.remove_photo(session, project, by, index)
    wire.federate_progress(session, city, project)
    return name


def approve(
    session: Session, city: City, slug: str, by: Member | None, *, now: datetime | None = None
) -> Project:
    project = projects.by_slug(session, slug)
    projects.approve(session, project, by, now=now)
    schedule_close(session, project, run_at=project.deadline)
    owner = session.get(Member, project.owner_id)
    assert owner is not None
    wire.federate_opening(session, city, project, owner)
    return project


def cancel(
    session: Session, city: City, slug: str, by: Member | None, *, now: datetime | None = None
) -> Project:
    project = projects.by_slug(session, slug)
    projects.cancel(session, project, by, now=now)
    # the singleton key may already hold the deadline job: it finds the project cancelled and
    # voids; otherwise this one runs now
    schedule_close(session, project, run_at=now or utcnow())
    return project


def pledge(
    session: Session,
    city: City,
    slug: str,
    member: Member,
    amount: int,
    *,
    now: datetime | None = None,
) -> Pledge:
    project = projects.by_slug(session, slug)
    row = projects.pledge(session, city.settings.currency, project, member, amount, now=now)
    wire.federate_progress(session, city, project)
    return row


def withdraw(
    session: Session, city: City, public_id: str, member: Member, *, now: datetime | None = None
) -> Pledge:
    row = projects.withdraw(session, projects.find_pledge(session, public_id), member, now=now)
    project = session.get(Project, row.project_id)
    assert project is not None
    wire.federate_progress(session, city, project)
    return row


def member_named(session: Session, username: str) -> Member:
    return members.get_member(session, username)
