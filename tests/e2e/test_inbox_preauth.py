"""No unauthenticated work: before the signature verifies, the inbox reads the body as JSON and
three top-level keys, nothing more; JSON-LD waits for the worker, bounded in size.

CPU is measured with `time.thread_time` around requests to a city running in this thread
(it includes the client's share, so the bound is generous), never with a clock on the wall.
"""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import select

from models import InboundActivity

from .helpers import add_member, eventually
from .test_inbox_security import Remote, post, signed, stored

AS_PREFIX = {"as": "https://www.w3.org/ns/activitystreams#"}
MAX_CPU_SECONDS = 0.05
UNSIGNED = {"Content-Type": "application/activity+json"}


def prefixed_flood(**envelope: Any) -> bytes:
    """The 0.9 MB body of issue 10: 20,000 `as:content` values under an `as:` prefix."""
    values = [f"value {i:06d} " + "x" * 30 for i in range(20_000)]
    body = orjson.dumps({"@context": [AS_PREFIX], **envelope, "as:content": values})
    assert 850_000 < len(body) < 1_000_000
    return body


FLOODS = {
    "no readable envelope": prefixed_flood(),
    "prefixed envelope": prefixed_flood(
        **{
            "@id": "https://x.example/a/1",
            "@type": "as:Like",
            "as:actor": "https://x.example/users/x",
        }
    ),
}


@pytest.fixture
async def inbox_client(start_city: Any) -> httpx.AsyncClient:
    city = await start_city(run_worker=False)
    http: httpx.AsyncClient = city.http
    return http


async def warm_up(http: httpx.AsyncClient) -> None:
    """One small unsigned activity first: the city's once-per-process set-up (its HTTP client
    pools, its instance key) is not what a flood costs."""
    small = orjson.dumps(
        {
            "@context": [AS_PREFIX],
            "@id": "https://x.example/a/0",
            "@type": "as:Like",
            "as:actor": "https://x.example/users/x",
        }
    )
    assert (await http.post("/inbox", content=small, headers=UNSIGNED)).status_code == 401
    gc.collect()  # the collector's debt from earlier tests is not the flood's cost either


@pytest.mark.parametrize("body", FLOODS.values(), ids=FLOODS.keys())
async def test_an_unsigned_prefixed_flood_is_refused_without_normalising_it(
    inbox_client: httpx.AsyncClient, body: bytes
) -> None:
    await warm_up(inbox_client)
    before = time.thread_time()
    answer = await inbox_client.post("/inbox", content=body, headers=UNSIGNED)
    spent = time.thread_time() - before
    assert 400 <= answer.status_code < 500, answer.text
    assert spent < MAX_CPU_SECONDS, f"{spent * 1000:.0f} ms of CPU for an unsigned request"


async def test_health_answers_while_three_unsigned_floods_are_handled(
    inbox_client: httpx.AsyncClient,
) -> None:
    body = FLOODS["no readable envelope"]
    await warm_up(inbox_client)
    before = time.thread_time()
    *floods, health = await asyncio.gather(
        *(inbox_client.post("/inbox", content=body, headers=UNSIGNED) for _ in range(3)),
        inbox_client.get("/health"),
    )
    spent = time.thread_time() - before
    assert health.status_code == 200
    assert all(400 <= answer.status_code < 500 for answer in floods)
    assert spent < 3 * MAX_CPU_SECONDS, f"{spent * 1000:.0f} ms of CPU for three floods and /health"


@pytest.fixture
async def pair(start_city: Any) -> tuple[Any, Remote]:
    a, b = await start_city(), await start_city(run_worker=False)
    add_member(b, "bob")
    return a, Remote(b)


def too_large_to_normalise(remote: Remote) -> bytes:
    plain = remote.activity()
    return orjson.dumps(
        {
            "@context": [AS_PREFIX],
            "@id": plain["id"],
            "@type": "as:Like",
            "as:actor": plain["actor"],
            "as:object": plain["object"],
            "as:content": [f"v{i}" for i in range(20_000)],
        }
    )


async def test_a_signed_document_too_large_to_normalise_is_stored_and_refused_by_the_worker(
    pair: tuple[Any, Remote],
) -> None:
    a, remote = pair
    body = too_large_to_normalise(remote)
    answer = await post(a, body, signed(a, remote, body))
    assert answer.status_code == 202, answer.text

    async def failed() -> InboundActivity | None:
        return await a.db.read(
            lambda s: s.scalar(select(InboundActivity).where(InboundActivity.state == "failed"))
        )

    row = await eventually(failed)
    assert "not normalised" in (row.last_error or "")


async def test_an_activity_whose_context_renames_actor_is_not_processed(
    pair: tuple[Any, Remote],
) -> None:
    """The inbox verified the top-level `actor`; a context making that key mean something else
    would let the document say another actor after normalisation."""
    a, remote = pair
    activity = remote.activity()
    activity["@context"] = [
        "https://www.w3.org/ns/activitystreams",
        {"actor": "https://evil.example/ns#actor"},
    ]
    body = orjson.dumps(activity)
    answer = await post(a, body, signed(a, remote, body))
    assert answer.status_code == 202, answer.text

    async def failed() -> InboundActivity | None:
        return await a.db.read(
            lambda s: s.scalar(select(InboundActivity).where(InboundActivity.state == "failed"))
        )

    row = await eventually(failed)
    assert "another id or actor" in (row.last_error or "")
    assert await stored(a) == 1
