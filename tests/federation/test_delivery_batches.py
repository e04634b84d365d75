"""Our instance actor's messages for one partner inbox share a POST while one is out
(outbox/batching.py): a lone message goes alone and unchanged, the ones handed in meanwhile go
together as one Collection of the stored bodies, and every job gets that POST's answer."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from federation.client import PostResult
from federation.errors import FetchError
from instance.actors import SigningKey
from outbox.batching import MAX_BYTES, MAX_ITEMS, Batcher, chunks

ACTOR = "https://b.example/actor"
INBOX = "https://a.example/inbox"
KEY = SigningKey(key_id=f"{ACTOR}#main-key", private_key=None)


def activity(n: int) -> bytes:
    return orjson.dumps(
        {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{ACTOR}/x/{n}",
            "type": "Accept",
            "actor": ACTOR,
            "object": f"https://a.example/s/{n}/prepare",
        }
    )


class Partner:
    """Records each POST; the first one waits until released (a POST in flight)."""

    def __init__(self, fail: bool = False) -> None:
        self.bodies: list[bytes] = []
        self.release = asyncio.Event()
        self.fail = fail

    async def post(self, inbox: str, body: bytes, key: SigningKey) -> PostResult:
        self.bodies.append(body)
        await self.release.wait()
        if self.fail:
            raise FetchError("connection refused")
        return PostResult(status=202, body_excerpt="", retry_after=None)


async def test_a_lone_message_is_posted_alone_in_its_own_shape() -> None:
    partner = Partner()
    partner.release.set()
    result = await Batcher(ACTOR, partner.post).send(INBOX, activity(1), KEY)
    assert result.status == 202
    assert partner.bodies == [activity(1)]


async def test_messages_handed_in_while_a_post_is_out_go_together_as_one_collection() -> None:
    partner = Partner()
    batcher = Batcher(ACTOR, partner.post)
    first = asyncio.ensure_future(batcher.send(INBOX, activity(0), KEY))
    while not partner.bodies:
        await asyncio.sleep(0)
    rest = [asyncio.ensure_future(batcher.send(INBOX, activity(n), KEY)) for n in (1, 2, 3)]
    await asyncio.sleep(0)
    partner.release.set()
    results = await asyncio.gather(first, *rest)
    assert [r.status for r in results] == [202] * 4
    assert len(partner.bodies) == 2
    batch = orjson.loads(partner.bodies[1])
    assert batch["type"] == "Collection" and batch["actor"] == ACTOR
    assert batch["to"] == ["https://a.example/actor"] and batch["totalItems"] == 3
    assert batch["items"] == [orjson.loads(activity(n)) for n in (1, 2, 3)]


async def test_the_same_items_make_the_same_batch_id() -> None:
    ids = []
    for _ in range(2):
        partner = Partner()
        batcher = Batcher(ACTOR, partner.post)
        first = asyncio.ensure_future(batcher.send(INBOX, activity(0), KEY))
        while not partner.bodies:
            await asyncio.sleep(0)
        rest = [asyncio.ensure_future(batcher.send(INBOX, activity(n), KEY)) for n in (1, 2)]
        await asyncio.sleep(0)
        partner.release.set()
        await asyncio.gather(first, *rest)
        ids.append(orjson.loads(partner.bodies[1])["id"])
    assert ids[0] == ids[1] and ids[0].startswith(f"{ACTOR}/batches/")


async def test_a_batch_holds_at_most_max_items() -> None:
    partner = Partner()
    batcher = Batcher(ACTOR, partner.post)
    first = asyncio.ensure_future(batcher.send(INBOX, activity(0), KEY))
    while not partner.bodies:
        await asyncio.sleep(0)
    rest = [
        asyncio.ensure_future(batcher.send(INBOX, activity(n), KEY))
        for n in range(1, MAX_ITEMS + 2)
    ]
    await asyncio.sleep(0)
    partner.release.set()
    await asyncio.gather(first, *rest)
    sizes = [len(orjson.loads(body).get("items", [None])) for body in partner.bodies]
    assert sizes == [1, MAX_ITEMS, 1]


async def test_every_job_of_a_failed_post_gets_its_error() -> None:
    partner = Partner(fail=True)
    batcher = Batcher(ACTOR, partner.post)
    first = asyncio.ensure_future(batcher.send(INBOX, activity(0), KEY))
    while not partner.bodies:
        await asyncio.sleep(0)
    rest = [asyncio.ensure_future(batcher.send(INBOX, activity(n), KEY)) for n in (1, 2)]
    await asyncio.sleep(0)
    partner.release.set()
    for job in (first, *rest):
        with pytest.raises(FetchError):
            await job


async def test_a_batch_answered_too_large_is_sent_again_one_activity_a_post() -> None:
    answers = iter([202, 413])
    bodies: list[bytes] = []
    release = asyncio.Event()

    async def post(inbox: str, body: bytes, key: SigningKey) -> PostResult:
        bodies.append(body)
        await release.wait()
        return PostResult(status=next(answers, 202), body_excerpt="", retry_after=None)

    batcher = Batcher(ACTOR, post)
    first = asyncio.ensure_future(batcher.send(INBOX, activity(0), KEY))
    while not bodies:
        await asyncio.sleep(0)
    rest = [asyncio.ensure_future(batcher.send(INBOX, activity(n), KEY)) for n in (1, 2)]
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(first, *rest)
    assert [r.status for r in results] == [202, 202, 202]
    assert bodies[2:] == [activity(1), activity(2)]


def test_batches_are_cut_by_bytes_too() -> None:
    loop = asyncio.new_event_loop()
    try:
        big = [(b"x" * (MAX_BYTES // 2 + 1), loop.create_future()) for _ in range(3)]
        assert [len(c) for c in chunks(big)] == [1, 1, 1]
        small = [(b"x", loop.create_future()) for _ in range(3)]
        assert [len(c) for c in chunks(small)] == [3]
    finally:
        loop.close()
