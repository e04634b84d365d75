"""The admin's view of federation health: `comptoir federation status|retry|discard` and the
page /admin/federation, over a real city delivering to real (recording) servers."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import select

from models import DeliveryFailure, InboundActivity, Job, JobState, Role

from ..cli import Cli
from ..sink import Sink
from ..web.conftest import CSRF_RE, logged_in
from .helpers import add_member
from .test_delivery import add_follower, deliveries, post_note, worker_for


@pytest.fixture
async def troubled(start_city: Any) -> Any:
    """alice's note went to a server that refuses it (403) and to one that is down (503);
    one activity received from elsewhere failed."""
    city = await start_city(run_worker=False)
    add_member(city, "alice")
    add_member(city, "ada", role=Role.admin)
    async with Sink(default_status=403) as refusing, Sink(default_status=503) as down:
        add_follower(city, "rita", refusing.url())
        add_follower(city, "dan", down.url())
        await post_note(city)
        await worker_for(city).run_until_idle()
        city.refusing, city.down = f"127.0.0.1:{refusing.port}", f"127.0.0.1:{down.port}"
    city.db.write_sync(
        lambda s: s.add(
            InboundActivity(
                uri="http://elsewhere.example/activities/1",
                type="Create",
                actor="http://elsewhere.example/users/eve",
                signed_by="http://elsewhere.example/users/eve#main-key",
                body="{}",
                state=JobState.failed,
                attempts=10,
                last_error="ValueError: no object",
            )
        )
    )
    return city


def delivery_to(city: Any, authority: str) -> Job:
    [job] = [j for j in deliveries(city) if authority in j.payload["inbox"]]
    return job


def failures(city: Any) -> list[DeliveryFailure]:
    return city.db.read_sync(lambda s: list(s.scalars(select(DeliveryFailure))))


async def test_status_shows_each_host_with_its_deliveries_and_last_error(troubled: Any) -> None:
    answer = Cli(troubled.settings.path)("federation", "status")
    assert answer.returncode == 0, answer.stderr
    lines = answer.stdout.splitlines()
    [refusing] = [line for line in lines if line.startswith(troubled.refusing)]
    [down] = [line for line in lines if line.startswith(troubled.down)]
    # queued, retrying, failed, then the last error
    assert re.search(r"\s0\s+0\s+1\s+http\S+ answered 403", refusing), refusing
    assert re.search(r"\s0\s+1\s+0\s+http\S+ answered 503", down), down
    failed = delivery_to(troubled, troubled.refusing)
    assert f"delivery {failed.id}" in answer.stdout
    assert "failed inbound activities: 1" in answer.stdout
    assert "ValueError: no object" in answer.stdout


async def test_status_as_json_counts_queued_retrying_and_failed_per_host(troubled: Any) -> None:
    answer = Cli(troubled.settings.path)("federation", "status", "--json")
    assert answer.returncode == 0, answer.stderr
    report = json.loads(answer.stdout)
    hosts = {h["host"]: h for h in report["hosts"]}
    assert (hosts[troubled.refusing]["failed"], hosts[troubled.refusing]["retrying"]) == (1, 0)
    assert (hosts[troubled.down]["failed"], hosts[troubled.down]["retrying"]) == (0, 1)
    assert hosts[troubled.down]["last_failure_at"] is not None
    assert "answered 503" in hosts[troubled.down]["last_error"]
    assert [d["inbox"].split("/")[2] for d in report["failed_deliveries"]] == [troubled.refusing]
    assert report["failed_inbound"][0]["error"] == "ValueError: no object"


async def test_retry_of_one_delivery_queues_it_now_with_fresh_attempts(troubled: Any) -> None:
    failed = delivery_to(troubled, troubled.refusing)
    assert [f.job_id for f in failures(troubled)] == [failed.id]
    answer = Cli(troubled.settings.path)("federation", "retry", "--delivery", str(failed.id))
    assert answer.returncode == 0, answer.stderr
    job = delivery_to(troubled, troubled.refusing)
    assert (job.state, job.attempts) == (JobState.queued, 0)
    assert failures(troubled) == [], "the member no longer reads 'not delivered'"


async def test_retry_of_inbound_activities_processes_them_again(troubled: Any) -> None:
    answer = Cli(troubled.settings.path)("federation", "retry", "--all")
    assert answer.returncode == 0, answer.stderr
    assert "1 inbound activities" in answer.stdout
    row = troubled.db.read_sync(lambda s: s.scalar(select(InboundActivity)))
    assert (row.state, row.attempts) == (JobState.queued, 0)


async def test_discard_deletes_the_failed_delivery_and_the_member_still_sees_it(
    troubled: Any,
) -> None:
    failed = delivery_to(troubled, troubled.refusing)
    answer = Cli(troubled.settings.path)("federation", "discard", "--host", troubled.refusing)
    assert answer.returncode == 0, answer.stderr
    assert "discarded 1 deliveries" in answer.stdout
    assert all(troubled.refusing not in j.payload["inbox"] for j in deliveries(troubled))
    [failure] = failures(troubled)
    assert failure.job_id is None and failure.activity_type == "Create"
    assert delivery_to(troubled, troubled.down).state is JobState.queued, "others untouched"
    assert failed.id not in [j.id for j in deliveries(troubled)]


async def test_retry_or_discard_without_saying_what_is_refused(troubled: Any) -> None:
    for action in ("retry", "discard"):
        answer = Cli(troubled.settings.path)("federation", action)
        assert answer.returncode == 2
        assert "say what" in answer.stderr


async def test_the_page_is_in_the_admin_menu_and_shows_the_hosts(troubled: Any) -> None:
    browser = await logged_in(troubled.app, "ada")
    try:
        home = await browser.client.get("/")
        assert 'href="/admin/federation"' in home.text
        page = await browser.client.get("/admin/federation")
    finally:
        await browser.client.aclose()
    assert page.status_code == 200
    assert troubled.refusing in page.text and troubled.down in page.text
    assert "answered 403" in page.text
    assert "ValueError: no object" in page.text


async def test_the_page_is_for_admins_only(troubled: Any) -> None:
    browser = await logged_in(troubled.app, "alice")
    try:
        page = await browser.client.get("/admin/federation")
        home = await browser.client.get("/")
    finally:
        await browser.client.aclose()
    assert page.status_code == 403
    assert "/admin/federation" not in home.text


async def test_the_page_retries_a_host_with_its_csrf_token_and_refuses_without(
    troubled: Any,
) -> None:
    browser = await logged_in(troubled.app, "ada")
    try:
        forged = await browser.client.post(
            "/admin/federation/retry", data={"host": troubled.refusing}
        )
        assert forged.status_code == 403
        assert delivery_to(troubled, troubled.refusing).state is JobState.failed
        page = await browser.client.get("/admin/federation")
        token = CSRF_RE.search(page.text).group(1)  # type: ignore[union-attr]
        done = await browser.client.post(
            "/admin/federation/retry", data={"csrf_token": token, "host": troubled.refusing}
        )
        assert done.status_code == 303
        shown = await browser.client.get(done.headers["location"])
    finally:
        await browser.client.aclose()
    assert "Queued again: 1 deliveries" in shown.text
    assert delivery_to(troubled, troubled.refusing).state is JobState.queued


async def test_the_page_refuses_a_malformed_delivery_id(troubled: Any) -> None:
    browser = await logged_in(troubled.app, "ada")
    try:
        page = await browser.client.get("/admin/federation")
        token = CSRF_RE.search(page.text).group(1)  # type: ignore[union-attr]
        answer = await browser.client.post(
            "/admin/federation/discard", data={"csrf_token": token, "delivery": "x"}
        )
    finally:
        await browser.client.aclose()
    assert answer.status_code == 400
    assert "delivery must be a number" in answer.text
