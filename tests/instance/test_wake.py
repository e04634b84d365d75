"""Queued work wakes the in-process worker after its commit, without anyone asking for it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.orm import Session

from inbox.writer import InboxWriter, Received
from instance import queue
from instance.city import City
from instance.database import Database
from instance.jobs import job_queue
from instance.settings import Settings
from instance.urls import Urls
from instance.worker import Worker
from models import Job, JobState, utcnow


@pytest.fixture
def city(make_settings: Callable[..., Settings]) -> Iterator[City]:
    """A city whose worker would wait an hour between polls if nothing woke it."""
    settings = make_settings()
    city = City(settings=settings, db=Database(settings.database_url), urls=Urls(settings.base_url))
    yield city
    city.db.dispose()


def with_worker(city: City, ran: list[int]) -> Worker:
    async def record(_city: City, job: Job) -> None:
        ran.append(job.payload["n"])

    city.worker = Worker(city.db, [job_queue(city, {"record": record})], poll_interval=3600)
    return city.worker


def wakes_counted(db: Database) -> list[None]:
    wakes: list[None] = []
    db.on_work_queued = lambda: wakes.append(None)
    return wakes


async def test_a_job_enqueued_in_a_write_wakes_the_worker_and_runs(city: City) -> None:
    ran: list[int] = []
    worker = with_worker(city, ran)
    assert not worker.woken
    await city.db.write(lambda s: queue.enqueue(s, "record", {"n": 1}))
    assert worker.woken
    assert await worker.run_until_idle() == 1
    assert ran == [1]


def test_a_synchronous_write_that_queues_work_wakes_the_worker(city: City) -> None:
    worker = with_worker(city, [])
    city.db.write_sync(lambda s: queue.enqueue_many(s, [{"kind": "record", "payload": {"n": 1}}]))
    assert worker.woken


async def test_a_write_that_queues_nothing_does_not_wake_the_worker(city: City) -> None:
    worker = with_worker(city, [])
    await city.db.write(lambda s: s.get(Job, 1))
    assert not worker.woken


async def test_a_rolled_back_write_wakes_nobody(city: City) -> None:
    wakes = wakes_counted(city.db)

    def enqueue_then_fail(session: Session) -> None:
        queue.enqueue(session, "record", {"n": 1})
        raise RuntimeError("refused")

    with pytest.raises(RuntimeError):
        await city.db.write(enqueue_then_fail)
    assert wakes == []


async def test_a_queue_row_added_through_the_orm_is_queued_work(city: City) -> None:
    wakes = wakes_counted(city.db)
    await city.db.write(
        lambda s: s.add(
            Job(
                kind="record",
                payload={"n": 1},
                state=JobState.queued,
                run_at=utcnow(),
                attempts=0,
                max_attempts=10,
            )
        )
    )
    assert wakes == [None]


async def test_a_received_activity_wakes_the_worker_once_stored(city: City) -> None:
    wakes = wakes_counted(city.db)
    writer = InboxWriter(city.db)
    item = Received(
        uri="https://remote.example/activities/1",
        type="Follow",
        actor="https://remote.example/users/zoe",
        signed_by="https://remote.example/users/zoe",
        body="{}",
    )
    assert await writer.store(item) is True
    assert wakes == [None]
    assert await writer.store(item) is False, "a duplicate is not stored again"
    assert wakes == [None], "and queues nothing, so it wakes nobody"


async def test_the_worker_runs_follow_up_work_with_one_write_per_turn_and_no_empty_turn(
    city: City,
) -> None:
    """A job whose handler queues another: the follow-up runs on the wake alone (the poll is
    an hour away), and the loop writes three times in all: claim the first; record it and
    claim the second; record the second. No empty "look again" turn after each."""
    ran: list[int] = []

    async def chain(_city: City, job: Job) -> None:
        ran.append(job.payload["n"])
        if job.payload["n"] == 1:
            await city.db.write(lambda s: queue.enqueue(s, "chain", {"n": 2}))

    worker = Worker(city.db, [job_queue(city, {"chain": chain})], poll_interval=3600)
    turns: list[None] = []
    commit = city.db._commit

    def counted(work: Callable[[Session], object]) -> tuple[object, bool]:
        if getattr(work, "func", None) == worker._transaction:
            turns.append(None)
        return commit(work)

    city.db._commit = counted  # type: ignore[method-assign]
    await city.db.write(lambda s: queue.enqueue(s, "chain", {"n": 1}))
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    while ran != [1, 2]:
        await asyncio.sleep(0.01)
    stop.set()
    await running
    assert len(turns) == 3
