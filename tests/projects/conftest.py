"""Projects on a real, migrated database of each backend: a ledger `Book`, plus projects."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from exchange import members, projects
from exchange.projects import Proposal
from instance.database import Database
from models import Job, Pledge, PledgeState, Project, Role, Transfer, TransferResolution, utcnow

from ..ledger.conftest import Book

#: the moment the tests' projects open; their deadline is a week later
OPENED = utcnow().replace(microsecond=0) + timedelta(days=1)
DEADLINE = OPENED + timedelta(days=7)
BEFORE = DEADLINE - timedelta(hours=1)
AFTER = DEADLINE + timedelta(seconds=1)


class Town(Book):
    """The ledger book, with projects: members by name, amounts as decimal strings."""

    def project(self, slug: str, goal: str, *, owner: str = "owner", open_: bool = True) -> str:
        minor = self.currency.to_minor(goal)

        def work(session):  # type: ignore[no-untyped-def]
            owner_row = members.get_member(session, owner)
            project = projects.propose(
                session,
                self.currency,
                owner_row,
                Proposal(slug=slug, title=f"Project {slug}", goal=minor, deadline=DEADLINE),
                uri=f"https://city.example/projects/{slug}",
                now=OPENED - timedelta(hours=1),
            )
            if open_:
                projects.approve(session, project, members.get_member(session, "staff"), now=OPENED)
            return project.slug

        return self.db.write_sync(work)

    def pledge(self, slug: str, name: str, amount: str, *, now: datetime = BEFORE) -> str:
        minor = self.currency.to_minor(amount) if isinstance(amount, str) else amount
        return self.pledge_minor(slug, name, minor, now=now)

    def pledge_minor(self, slug: str, name: str, amount: int, *, now: datetime = BEFORE) -> str:
        def work(session):  # type: ignore[no-untyped-def]
            row = projects.pledge(
                session,
                self.currency,
                projects.by_slug(session, slug),
                members.get_member(session, name),
                amount,
                now=now,
            )
            return row.public_id

        return self.db.write_sync(work)

    def state(self, slug: str) -> str:
        return self.db.read_sync(lambda s: projects.by_slug(s, slug).state.value)

    def pledges(self, slug: str) -> dict[str, PledgeState]:
        def work(session):  # type: ignore[no-untyped-def]
            project = projects.by_slug(session, slug)
            return {p.public_id: p.state for p in projects.pledges_of(session, project)}

        return self.db.read_sync(work)

    def resolutions(self, slug: str) -> dict[str, int]:
        """Outcome -> how many resolutions the project's pledge transfers have."""

        def work(session):  # type: ignore[no-untyped-def]
            rows = session.execute(
                select(TransferResolution.outcome, func.count())
                .join(Transfer, Transfer.id == TransferResolution.pending_id)
                .join(Pledge, Pledge.transfer_id == Transfer.public_id)
                .join(Project, Project.id == Pledge.project_id)
                .where(Project.slug == slug)
                .group_by(TransferResolution.outcome)
            )
            return {outcome.value: n for outcome, n in rows}

        return self.db.read_sync(work)

    def rows(self) -> dict[str, int]:
        counts = super().rows()

        def more(session):  # type: ignore[no-untyped-def]
            return {
                "pledges": session.scalar(select(func.count()).select_from(Pledge)),
                "jobs": session.scalar(select(func.count()).select_from(Job)),
            }

        return {**counts, **self.db.read_sync(more)}


@pytest.fixture
def town(db: Database) -> Town:
    town = Town(db)
    town.member("owner")
    town.member("staff", role=Role.moderator)
    return town
