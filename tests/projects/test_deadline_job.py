"""The deadline sweep run by the real worker: `project.close` at the deadline, and a worker that
dies half-way through committing the pledges."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from exchange import members, projects
from exchange.projects import Proposal
from instance.city import City
from instance.settings import Settings
from models import Job, OutboundActivity, PledgeState, Role, utcnow
from server.app import build_city
from services import project_jobs
from services import projects as cases

from ..ledger.conftest import Book


def open_project(city: City, book: Book, slug: str, goal: int, seconds: float) -> None:
    book.member("owner")
    book.member("staff", role=Role.moderator)
    deadline = utcnow() + timedelta(seconds=seconds)

    def work(session: Any) -> None:
        cases.propose(
            session,
            city,
            members.get_member(session, "owner"),
            Proposal(slug=slug, title=slug, goal=goal, deadline=deadline),
        )
        cases.approve(session, city, slug, members.get_member(session, "staff"))

    city.db.write_sync(work)


def reach_deadline(city: City, slug: str) -> None:
    """Time passes: the deadline and its `project.close` job are moved a second into the past,
    instead of a test sleeping past a deadline short enough to be missed on a loaded machine."""
    past = utcnow() - timedelta(seconds=1)

    def move(session: Any) -> None:
        projects.by_slug(session, slug).deadline = past
        session.execute(update(Job).where(Job.kind == "project.close").values(run_at=past))

    city.db.write_sync(move)


def pledge_states(city: City, slug: str) -> list[PledgeState]:
    return city.db.read_sync(
        lambda s: [p.state for p in projects.pledges_of(s, projects.by_slug(s, slug))]
    )


def close_jobs(city: City) -> list[Job]:
    return city.db.read_sync(
        lambda s: list(s.scalars(select(Job).where(Job.kind == "project.close")))
    )


async def test_the_worker_commits_the_pledges_at_the_deadline(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(currency={"credit_limit": "100.00"})
    city = build_city(settings, with_worker=True)
    book = Book(city.db, settings.currency)
    for name in ("ana", "ben"):
        book.member(name)
    open_project(city, book, "well", 1_000, 3600)
    for name in ("ana", "ben"):
        city.db.write_sync(
            lambda s, n=name: cases.pledge(s, city, "well", members.get_member(s, n), 500)
        )
    assert city.worker is not None
    await city.worker.run_until_idle()
    assert pledge_states(city, "well") == [PledgeState.pending] * 2  # not due yet
    reach_deadline(city, "well")
    await city.worker.run_until_idle()
    assert pledge_states(city, "well") == [PledgeState.committed] * 2
    assert close_jobs(city) == []
    assert book.balance("project:well") == "10.00" and book.check() == []
    updates = city.db.read_sync(
        lambda s: list(
            s.scalars(
                select(OutboundActivity.body)
                .where(OutboundActivity.type == "Update")
                .order_by(OutboundActivity.id)
            )
        )
    )
    pages = [json.loads(update)["object"] for update in updates]
    # one Update per pledge as it came in, then the decision's, once
    assert [(p["type"], p["projectState"], p["pledged"]) for p in pages] == [
        ("Page", "open", "5.00"),
        ("Page", "open", "10.00"),
        ("Page", "funded", "10.00"),
    ]
    city.db.dispose()


async def test_a_worker_dying_mid_commit_leaves_a_sound_ledger_and_the_retry_finishes(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(currency={"credit_limit": "100.00"})
    city = build_city(settings, with_worker=True)
    book = Book(city.db, settings.currency)
    names = ["ana", "ben", "cleo", "dan"]
    for name in names:
        book.member(name)
    open_project(city, book, "roof", 1_500, 3600)
    for name in names:
        city.db.write_sync(
            lambda s, n=name: cases.pledge(s, city, "roof", members.get_member(s, n), 400)
        )
    reach_deadline(city, "roof")

    real = projects.resolve_next
    calls = {"n": 0}

    def dies_after_two(*args: Any, **kwargs: Any) -> int:
        calls["n"] += 1
        if calls["n"] > 2:
            raise RuntimeError("the worker died")
        return real(*args, **kwargs)

    monkeypatch.setattr(project_jobs.projects, "resolve_next", dies_after_two)
    assert city.worker is not None
    await city.worker.run_until_idle()
    assert sorted(pledge_states(city, "roof")) == sorted(
        [PledgeState.committed] * 2 + [PledgeState.pending] * 2
    )
    assert book.check() == []

    monkeypatch.setattr(project_jobs.projects, "resolve_next", real)
    city.db.write_sync(lambda s: s.execute(update(Job).values(run_at=utcnow())))
    await city.worker.run_until_idle()
    assert pledge_states(city, "roof") == [PledgeState.committed] * 4
    assert all(book.balance(name) == "-4.00" for name in names)
    assert close_jobs(city) == [] and book.check() == []
    city.db.dispose()
