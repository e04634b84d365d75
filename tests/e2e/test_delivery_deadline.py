"""A delivery to an inbox that dribbles its answer ends at the city's request deadline and is
retried later, like any network failure."""

from __future__ import annotations

import asyncio
from typing import Any

from models import JobState

from ..slow_server import SlowLoris
from .helpers import add_member
from .test_delivery import add_follower, deliveries, post_note, worker_for

#: proves the delivery ended, not how fast: the inbox would hold it for 60 s
ENDED_WITHIN = 10.0


async def test_a_dribbling_inbox_is_cut_off_at_the_deadline_and_retried(start_city: Any) -> None:
    city = await start_city(run_worker=False, federation={"request_deadline_seconds": 1})
    add_member(city, "alice")
    async with SlowLoris() as inbox:
        add_follower(city, "zoe", inbox.url("/inbox"))
        await post_note(city)
        async with asyncio.timeout(ENDED_WITHIN):
            await worker_for(city).run_until_idle()
            await inbox.closed_by_client.wait()
    [job] = deliveries(city)
    assert job.state is JobState.queued
    assert "passed its 1 s deadline" in (job.last_error or "")
