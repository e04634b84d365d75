"""The listing state graph: the moves it holds, the ones it refuses, and expiry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from exchange import listings
from exchange.errors import DomainError
from instance.worker import Worker
from models import Job, Listing, ListingState, OutboundActivity, Purpose, utcnow
from server.app import build_queues

from .conftest import Market

S = ListingState


def a_listing(state: ListingState) -> Listing:
    return Listing(state=state, purpose=Purpose.offer, quantity=2, listed_at=None)


@pytest.mark.parametrize(
    "start, end",
    [
        (S.draft, S.pending),
        (S.draft, S.published),
        (S.pending, S.published),
        (S.pending, S.rejected),
        (S.published, S.reserved),
        (S.published, S.closed),
        (S.published, S.expired),
        (S.published, S.withdrawn),
        (S.published, S.rejected),
        (S.reserved, S.closed),
        (S.reserved, S.withdrawn),
    ],
)
def test_the_graph_holds_the_lifecycle_moves(start: ListingState, end: ListingState) -> None:
    listing = a_listing(start)
    listings.move(listing, end)
    assert listing.state is end


@pytest.mark.parametrize(
    "start, end",
    [
        (S.draft, S.reserved),
        (S.pending, S.closed),
        (S.closed, S.published),
        (S.expired, S.published),
        (S.withdrawn, S.published),
        (S.rejected, S.published),
        (S.published, S.draft),
        (S.published, S.pending),
    ],
)
def test_the_graph_refuses_every_other_move(start: ListingState, end: ListingState) -> None:
    listing = a_listing(start)
    with pytest.raises(DomainError) as refused:
        listings.move(listing, end)
    assert (refused.value.code, refused.value.status) == ("invalid_transition", 409)
    assert listing.state is start


def test_every_state_is_in_the_graph() -> None:
    assert set(listings.GRAPH.moves) == set(ListingState)


def test_ended_states_are_final() -> None:
    assert all(listings.GRAPH.moves[state] == frozenset() for state in listings.ENDED)


def test_taking_the_last_units_closes_the_listing() -> None:
    listing = a_listing(S.published)
    assert listings.take(listing, 1) is False and listing.state is S.reserved
    assert (
        listings.take(listing, 1) is True
        and listing.state is S.closed
        and listing.ended_at is not None
    )


async def run_jobs(city: Market) -> None:
    worker = Worker(city.db, build_queues(city.city))
    await worker.run_until_idle()


async def test_a_listing_expires_at_its_time_and_federates_a_delete(city: Market) -> None:
    listing = await city.listing(expires_at=(utcnow() + timedelta(hours=1)).isoformat())

    def pull_forward(session: Any) -> None:
        row = session.scalar(select(Listing).where(Listing.public_id == listing["id"]))
        row.expires_at = utcnow() - timedelta(seconds=1)
        for job in session.scalars(select(Job).where(Job.kind == "listing.expire")):
            job.run_at = utcnow() - timedelta(seconds=1)

    city.db.write_sync(pull_forward)
    await run_jobs(city)
    after = (await city.get(f"/listings/{listing['id']}", as_="alice")).json()
    assert after["state"] == "expired"
    types = city.db.read_sync(
        lambda s: list(s.scalars(select(OutboundActivity.type).order_by(OutboundActivity.id)))
    )
    assert types[-1] == "Delete"
    kinds = [
        n["kind"] for n in (await city.get("/notifications", as_="alice")).json()["notifications"]
    ]
    assert kinds == ["listing_expired"]


async def test_an_expiry_job_that_runs_early_changes_nothing(city: Market) -> None:
    listing = await city.listing(expires_at=(utcnow() + timedelta(hours=1)).isoformat())

    def run_now(session: Any) -> None:
        for job in session.scalars(select(Job).where(Job.kind == "listing.expire")):
            job.run_at = utcnow() - timedelta(seconds=1)

    city.db.write_sync(run_now)
    worker = Worker(city.db, build_queues(city.city))
    await worker.run_until_idle(max_turns=1)
    assert (await city.get(f"/listings/{listing['id']}")).json()["state"] == "published"


async def test_an_edit_of_the_expiry_schedules_a_new_job(city: Market) -> None:
    listing = await city.listing()
    later = (utcnow() + timedelta(days=3)).isoformat()
    await city.patch(f"/listings/{listing['id']}", {"expires_at": later}, as_="alice")
    jobs = city.db.read_sync(
        lambda s: s.scalars(select(Job.key).where(Job.kind == "listing.expire")).all()
    )
    assert len(jobs) == 2
