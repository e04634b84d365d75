"""Announcements published later: `scheduled_at` on a draft, the `announcement.publish` job
queued for it, run by the real worker, and the compare-and-set sweep that publishes each
due announcement exactly once, whoever runs it and however often."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from exchange import announcements
from exchange.errors import DomainError
from instance.city import City
from instance.settings import Settings
from models import Announcement, AnnouncementState, Job, ModerationEntry, utcnow
from server.app import build_city


@pytest.fixture
def city(make_settings: Callable[..., Settings]) -> Any:
    made = build_city(make_settings(), with_worker=True)
    yield made
    made.db.dispose()


def scheduled(city: City, text: str = "Fête du pain", hours: float = 1) -> int:
    when = utcnow() + timedelta(hours=hours)
    return int(city.db.write_sync(lambda s: announcements.add(s, text, None, scheduled_at=when).id))


def the_time_comes(city: City, number: int) -> None:
    """Time passes: the publication time and its job moved a second into the past, rather
    than a test sleeping past a time short enough to be missed on a loaded machine."""
    past = utcnow() - timedelta(seconds=1)

    def move(session: Any) -> None:
        session.get(Announcement, number).scheduled_at = past
        session.execute(
            update(Job).where(Job.kind == announcements.PUBLISH_JOB).values(run_at=past)
        )

    city.db.write_sync(move)


def state_of(city: City, number: int) -> tuple[AnnouncementState, datetime | None, datetime | None]:
    row = city.db.read_sync(lambda s: s.get(Announcement, number))
    return row.state, row.scheduled_at, row.published_at


def publications(city: City) -> int:
    return len(
        city.db.read_sync(
            lambda s: list(
                s.scalars(
                    select(ModerationEntry.id).where(
                        ModerationEntry.action == "announcement.publish"
                    )
                )
            )
        )
    )


def jobs(city: City) -> list[Job]:
    return city.db.read_sync(
        lambda s: list(s.scalars(select(Job).where(Job.kind == announcements.PUBLISH_JOB)))
    )


def test_a_job_is_queued_for_the_publication_time(city: City) -> None:
    number = scheduled(city)
    (job,) = jobs(city)
    assert job.run_at == state_of(city, number)[1]
    assert job.payload == {"announcement": number}


def test_a_scheduled_draft_is_shown_to_nobody_before_its_time(city: City) -> None:
    number = scheduled(city)
    assert city.db.read_sync(lambda s: announcements.publish_due(s)) == []
    assert state_of(city, number)[0] is AnnouncementState.draft


def test_a_past_publication_time_is_refused(city: City) -> None:
    past = utcnow() - timedelta(minutes=1)
    with pytest.raises(DomainError) as refused:
        city.db.write_sync(lambda s: announcements.add(s, "Late", None, scheduled_at=past))
    assert (refused.value.code, refused.value.status) == ("past_publication", 400)
    assert jobs(city) == []


async def test_the_worker_publishes_it_when_its_time_comes(city: City) -> None:
    number = scheduled(city)
    assert city.worker is not None
    await city.worker.run_until_idle()
    assert state_of(city, number)[0] is AnnouncementState.draft  # not due yet
    the_time_comes(city, number)
    before = utcnow()
    await city.worker.run_until_idle()
    state, scheduled_at, published_at = state_of(city, number)
    assert (state, scheduled_at) == (AnnouncementState.published, None)
    assert published_at is not None and published_at >= before
    assert jobs(city) == [] and publications(city) == 1


async def test_one_published_by_staff_first_is_left_as_it_is(city: City) -> None:
    number = scheduled(city)
    city.db.write_sync(lambda s: announcements.publish(s, announcements.find(s, number), None))
    published_at = state_of(city, number)[2]
    the_time_comes(city, number)
    assert city.worker is not None
    await city.worker.run_until_idle()
    assert state_of(city, number)[2] == published_at
    assert jobs(city) == [] and publications(city) == 1


async def test_one_removed_before_its_time_ends_its_job_quietly(city: City) -> None:
    number = scheduled(city)
    the_time_comes(city, number)
    city.db.write_sync(lambda s: announcements.remove(s, announcements.find(s, number), None))
    assert city.worker is not None
    await city.worker.run_until_idle()
    assert jobs(city) == [] and publications(city) == 0


def test_sweeping_twice_publishes_once(city: City) -> None:
    number = scheduled(city)
    later = utcnow() + timedelta(hours=2)
    assert city.db.write_sync(lambda s: announcements.publish_due(s, later)) == [number]
    assert city.db.write_sync(lambda s: announcements.publish_due(s, later)) == []
    assert publications(city) == 1


def test_a_sweep_waiting_on_another_finds_the_announcement_published(city: City) -> None:
    """Two worker processes sweep at once: the second's update starts while the first's is
    written and not yet committed. On PostgreSQL it waits on the row, then finds it no
    longer a draft: one publication, one `updated_at`, so one stream event."""
    number = scheduled(city)
    later = utcnow() + timedelta(hours=2)
    first_swept, found = threading.Event(), {}

    def first(session: Any) -> None:
        found["first"] = announcements.publish_due(session, later)
        first_swept.set()
        time.sleep(0.5)  # the second sweep is running meanwhile

    def second() -> None:
        first_swept.wait(30)
        found["second"] = city.db.write_sync(lambda s: announcements.publish_due(s, later))

    other = threading.Thread(target=second)
    other.start()
    city.db.write_sync(first)
    other.join(60)
    assert found == {"first": [number], "second": []}
    assert publications(city) == 1
