"""The job mechanism: claiming, leases, retries with backoff, final failure, two workers."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from instance import queue
from instance.database import Database
from instance.jobs import job_queue
from instance.outcomes import PermanentFailure, RetryLater
from instance.worker import Worker
from models import Job, JobState, utcnow

from ..e2e.helpers import eventually
from .worker_process import ready_file

ROOT = Path(__file__).resolve().parents[2]


def add_jobs(db: Database, count: int, kind: str = "record", **kwargs: object) -> None:
    def work(session):  # type: ignore[no-untyped-def]
        for n in range(count):
            queue.enqueue(session, kind, {"n": n}, **kwargs)  # type: ignore[arg-type]

    db.write_sync(work)


def all_jobs(db: Database) -> list[Job]:
    return db.read_sync(lambda s: list(s.scalars(select(Job).order_by(Job.id))))


def make_worker(db: Database, handler, **kwargs) -> Worker:  # type: ignore[no-untyped-def]
    return Worker(db, [job_queue(None, {"record": handler})], **kwargs)  # type: ignore[arg-type]


def test_a_claimed_job_is_leased_to_its_worker_only(db: Database) -> None:
    add_jobs(db, 3)
    first = db.write_sync(lambda s: queue.claim(s, Job, "w1", 10))
    second = db.write_sync(lambda s: queue.claim(s, Job, "w2", 10))
    assert len(first) == 3 and second == []
    assert {j.locked_by for j in all_jobs(db)} == {"w1"}
    assert all(j.attempts == 1 for j in first)


def test_a_job_whose_worker_died_is_claimed_again_after_its_lease(db: Database) -> None:
    add_jobs(db, 1)
    db.write_sync(lambda s: queue.claim(s, Job, "dead", 10))
    later = utcnow() + queue.LEASE + timedelta(seconds=1)
    again = db.write_sync(lambda s: queue.claim(s, Job, "alive", 10, now=later))
    assert [j.locked_by for j in again] == ["alive"]
    # the dead worker's late outcome no longer counts
    db.write_sync(lambda s: queue.finish(s, Job, [again[0].id], "dead"))
    assert len(all_jobs(db)) == 1


def test_the_heartbeat_renews_only_the_leases_of_its_own_running_rows(db: Database) -> None:
    add_jobs(db, 2)
    db.write_sync(lambda s: queue.claim(s, Job, "mine", 1))
    db.write_sync(lambda s: queue.claim(s, Job, "theirs", 1))
    before = {j.locked_by: j.locked_until for j in all_jobs(db)}
    later = utcnow() + timedelta(seconds=20)
    assert db.write_sync(lambda s: queue.renew(s, Job, "mine", later)) == 1
    after = {j.locked_by: j.locked_until for j in all_jobs(db)}
    assert after["mine"] == later + queue.LEASE
    assert after["theirs"] == before["theirs"]


async def test_a_live_worker_keeps_the_lease_of_a_job_it_is_still_handling(db: Database) -> None:
    add_jobs(db, 1)
    release = asyncio.Event()

    async def handler(_city, job):  # type: ignore[no-untyped-def]
        await release.wait()

    worker = make_worker(db, handler, lease_seconds=2)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:

        async def claimed():  # type: ignore[no-untyped-def]
            [job] = all_jobs(db)
            return job.locked_until if job.state is JobState.running else None

        first_lease = await eventually(claimed)

        async def renewed() -> bool:
            [job] = all_jobs(db)
            return job.locked_until > first_lease and job.locked_by == worker.name

        await eventually(renewed, timeout=10)
    finally:
        release.set()
        stop.set()
        await task
    assert all_jobs(db) == []


async def test_a_finished_job_is_recorded_while_others_still_run(db: Database) -> None:
    add_jobs(db, 2)
    release = asyncio.Event()

    async def handler(_city, job):  # type: ignore[no-untyped-def]
        if job.payload["n"] == 1:
            await release.wait()

    stop = asyncio.Event()
    task = asyncio.create_task(make_worker(db, handler, poll_interval=3600).run(stop))
    try:

        async def only_the_held_one_left() -> bool:
            return [j.payload["n"] for j in all_jobs(db)] == [1]

        await eventually(only_the_held_one_left, timeout=10)
    finally:
        release.set()
        stop.set()
        await task
    assert all_jobs(db) == []


def test_a_job_not_yet_due_is_not_claimed(db: Database) -> None:
    add_jobs(db, 1, run_at=utcnow() + timedelta(minutes=5))
    assert db.write_sync(lambda s: queue.claim(s, Job, "w", 10)) == []


def test_a_keyed_job_is_enqueued_once(db: Database) -> None:
    add_jobs(db, 1, key="sweep")
    add_jobs(db, 1, key="sweep")
    assert len(all_jobs(db)) == 1


async def test_a_finished_job_is_deleted(db: Database) -> None:
    add_jobs(db, 5)
    seen: list[int] = []

    async def handler(_city, job):  # type: ignore[no-untyped-def]
        seen.append(job.payload["n"])

    assert await make_worker(db, handler).run_until_idle() == 5
    assert sorted(seen) == [0, 1, 2, 3, 4]
    assert all_jobs(db) == []


async def test_a_failing_job_is_retried_later_with_its_error_kept(db: Database) -> None:
    add_jobs(db, 1)

    async def handler(_city, job):  # type: ignore[no-untyped-def]
        raise ValueError("inbox answered 503")

    before = utcnow()
    await make_worker(db, handler).run_until_idle()
    [job] = all_jobs(db)
    assert job.state is JobState.queued
    assert job.attempts == 1
    assert "inbox answered 503" in (job.last_error or "")
    assert job.run_at >= before + timedelta(seconds=queue.BACKOFF_BASE * 0.9)


async def test_retry_later_honours_the_given_delay(db: Database) -> None:
    add_jobs(db, 1)

    async def handler(_city, job):  # type: ignore[no-untyped-def]
        raise RetryLater("429", after=120)

    before = utcnow()
    await make_worker(db, handler).run_until_idle()
    [job] = all_jobs(db)
    assert before + timedelta(seconds=119) <= job.run_at <= utcnow() + timedelta(seconds=121)


async def test_a_permanent_failure_fails_at_once(db: Database) -> None:
    add_jobs(db, 1)

    async def handler(_city, job):  # type: ignore[no-untyped-def]
        raise PermanentFailure("410 Gone")

    await make_worker(db, handler).run_until_idle()
    [job] = all_jobs(db)
    assert job.state is JobState.failed
    assert job.last_error == "410 Gone"


async def test_a_job_out_of_attempts_fails_for_good(db: Database) -> None:
    add_jobs(db, 1, max_attempts=2)

    async def handler(_city, job):  # type: ignore[no-untyped-def]
        raise RuntimeError("still broken")

    worker = make_worker(db, handler)
    await worker.run_until_idle()
    db.write_sync(lambda s: s.execute(Job.__table__.update().values(run_at=utcnow())))
    await worker.run_until_idle()
    [job] = all_jobs(db)
    assert job.state is JobState.failed
    assert job.attempts == 2
    assert "still broken" in (job.last_error or "")


async def test_an_unknown_job_kind_fails_with_a_reason(db: Database) -> None:
    add_jobs(db, 1, kind="mystery")

    async def handler(_city, job):  # type: ignore[no-untyped-def]
        raise AssertionError("not called")

    await make_worker(db, handler).run_until_idle()
    [job] = all_jobs(db)
    assert job.state is JobState.failed
    assert "no handler for job kind 'mystery'" in (job.last_error or "")


def test_backoff_doubles_and_is_capped() -> None:
    assert 13.5 <= queue.backoff(1) <= 16.5
    assert 27 <= queue.backoff(2) <= 33
    assert queue.backoff(40) <= queue.BACKOFF_CAP * 1.1


def test_two_worker_processes_run_each_job_exactly_once(db: Database, tmp_path: Path) -> None:
    total = 600
    add_jobs(db, total)
    go = tmp_path / "go"
    outs = [tmp_path / f"out{i}" for i in range(2)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.instance.worker_process", db.url, str(out), str(go)],
            cwd=ROOT,
        )
        for out in outs
    ]
    deadline = time.monotonic() + 60
    while not all(ready_file(out).exists() for out in outs):  # both can claim: start them together
        assert all(proc.poll() is None for proc in procs) and time.monotonic() < deadline
        time.sleep(0.01)
    go.touch()
    for proc in procs:
        assert proc.wait(timeout=120) == 0
    runs = [list(map(int, out.read_text().split())) for out in outs]
    handled = runs[0] + runs[1]
    assert sorted(handled) == list(range(total)), "every job ran, none twice"
    assert all(runs), "both workers took part"
    assert db.read_sync(lambda s: s.scalar(select(func.count()).select_from(Job))) == 0


async def test_a_job_failing_for_good_tells_its_hook_why_in_the_same_transaction(
    db: Database,
) -> None:
    add_jobs(db, 2)
    told: list[tuple[int, str, str | None, JobState]] = []

    async def handler(_city, job):  # type: ignore[no-untyped-def]
        if job.payload["n"] == 0:
            raise PermanentFailure("answered 403", code="refused")

    def hook(session, job, error, code):  # type: ignore[no-untyped-def]
        state = session.get(Job, job.id).state  # already failed, in this transaction
        told.append((job.payload["n"], error, code, state))

    worker = Worker(db, [job_queue(None, {"record": handler}, {"record": hook})])  # type: ignore[arg-type]
    await worker.run_until_idle()
    assert told == [(0, "answered 403", "refused", JobState.failed)]


async def test_a_failing_hook_does_not_lose_the_outcomes(db: Database) -> None:
    add_jobs(db, 2)

    async def handler(_city, job):  # type: ignore[no-untyped-def]
        if job.payload["n"] == 0:
            raise PermanentFailure("gone")

    def hook(session, job, error, code):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug in the hook")

    worker = Worker(db, [job_queue(None, {"record": handler}, {"record": hook})])  # type: ignore[arg-type]
    await worker.run_until_idle()
    [job] = all_jobs(db)
    assert (job.payload["n"], job.state, job.last_error) == (0, JobState.failed, "gone")
