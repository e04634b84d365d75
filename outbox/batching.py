"""Batched deliveries: our instance actor's activities for one partner city in one POST.

Why: a settlement is four hops between two cities, and each hop was one signed POST, one
verification and one write transaction at the receiver for one settlement's vote, commit or
receipt (docs/BENCHMARKS.md, "Settlement: cross-city payments per second"). Under load the
delivery worker holds several of them for the same partner at once; they now travel as one
signed `Collection` of the activities (`items`), which the partner applies in one
transaction (inbox/batch.py; the shape and its checks are in docs/FEDERATION.md, "Batched
settlement messages").

How: a delivery of our instance actor's activity to a city that says it reads batches (its
instance actor's `settlementBatches`) goes through `Batcher.send` instead of its own POST.
At most one POST per partner inbox is in flight; what is handed in meanwhile waits and goes
out together when it returns (as a group commit does), so a lone message goes at once and
alone, in its own single shape, and a busy partner gets up to MAX_ITEMS messages a POST.
Every delivery job waiting for a POST gets that POST's answer, and is retried or failed on
its own as before: the items are the stored activities, unchanged, each with its own id, so
a job retried alone later sends the same activity in its single shape.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable

import orjson

from federation.authority import origin_base
from federation.client import PostResult
from federation.vocab import AS2_CONTEXT
from instance.actors import SigningKey

#: at most this many activities in one batched POST (the receiver refuses more than
#: inbox.batch.MAX_ITEMS, which is larger)
MAX_ITEMS = 50
#: the instance actor's flag saying that its city reads batched settlement messages
CAPABILITY = "settlementBatches"

#: nor more than this many bytes of activities (a city's inbox takes 1 MB by default, and
#: may be configured down: a batch answered 413 is sent again one activity a POST)
MAX_BYTES = 256_000
TOO_LARGE = 413

Post = Callable[[str, bytes, SigningKey], Awaitable[PostResult]]


def batch_body(actor: str, inbox: str, items: list[bytes]) -> bytes:
    """The batch: a Collection by `actor` whose `items` are the stored activities, verbatim.

    Its id is derived from the items (the same batch has the same id); it is never stored
    nor served: the receiver stores each item under its own id."""
    digest = hashlib.sha256(b"\n".join(items)).hexdigest()
    head = orjson.dumps(
        {
            "@context": AS2_CONTEXT,
            "id": f"{actor}/batches/{digest}",
            "type": "Collection",
            "actor": actor,
            "to": [f"{origin_base(inbox)}/actor"],
            "totalItems": len(items),
        }
    )
    return head[:-1] + b',"items":[' + b",".join(items) + b"]}"


def chunks(
    waiting: list[tuple[bytes, asyncio.Future[PostResult]]],
) -> list[list[tuple[bytes, asyncio.Future[PostResult]]]]:
    """The waiting deliveries in order, cut into batches of at most MAX_ITEMS and MAX_BYTES
    (an activity larger than that goes alone)."""
    cut: list[list[tuple[bytes, asyncio.Future[PostResult]]]] = [[]]
    size = 0
    for entry in waiting:
        if cut[-1] and (len(cut[-1]) >= MAX_ITEMS or size + len(entry[0]) > MAX_BYTES):
            cut.append([])
            size = 0
        cut[-1].append(entry)
        size += len(entry[0])
    return cut


class Batcher:
    """One drain per partner inbox; the deliveries handed in while a POST is out join the
    next one."""

    def __init__(self, actor: str, post: Post) -> None:
        self.actor = actor
        self._post = post
        self._waiting: dict[str, list[tuple[bytes, asyncio.Future[PostResult]]]] = {}
        self._draining: dict[str, asyncio.Task[None]] = {}

    async def send(self, inbox: str, body: bytes, key: SigningKey) -> PostResult:
        """POST `body` to `inbox`, alone or with the others waiting for it; its answer."""
        future: asyncio.Future[PostResult] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(inbox, []).append((body, future))
        if inbox not in self._draining:
            self._draining[inbox] = asyncio.create_task(self._drain(inbox, key))
        return await future

    async def _drain(self, inbox: str, key: SigningKey) -> None:
        try:
            # the deliveries started in the same worker turn reach here one after the other
            await asyncio.sleep(0)
            while waiting := self._waiting.pop(inbox, None):
                for chunk in chunks(waiting):
                    await self._send(inbox, key, chunk)
        finally:
            del self._draining[inbox]

    async def _send(
        self,
        inbox: str,
        key: SigningKey,
        chunk: list[tuple[bytes, asyncio.Future[PostResult]]],
    ) -> None:
        bodies = [body for body, _ in chunk]
        body = bodies[0] if len(bodies) == 1 else batch_body(self.actor, inbox, bodies)
        try:
            result = await self._post(inbox, body, key)
            if result.status == TOO_LARGE and len(chunk) > 1:
                # the partner takes smaller bodies than we thought: each goes alone
                for single in chunk:
                    await self._send(inbox, key, [single])
                return
        except Exception as exc:  # each job classifies it (FetchError, AddressRefused...)
            for _, future in chunk:
                if not future.done():
                    future.set_exception(exc)
            return
        except BaseException:  # cancelled (the worker stops): so are the jobs waiting
            for _, future in chunk:
                future.cancel()
            raise
        for _, future in chunk:
            if not future.done():
                future.set_result(result)
