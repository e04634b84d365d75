"""The delivery job: sign and POST one activity to one inbox, then classify the answer.

  2xx                            done
  401, 408, 429, 5xx, no answer  retried with capped exponential backoff (Retry-After honoured)
  any other 4xx                  failed at once: retrying cannot help
  domain refused by the policy   failed at once (it may have been blocked since)
  host marked unavailable        failed at once
  address refused by the guard   failed at once (a private address: it never will be
                                 reachable), not counted against the host

A host whose deliveries keep failing is marked unavailable (outbox/availability.py): nothing
more is queued for it until it answers again.

Each outcome carries a reason code (models.FailureReason): when a delivery fails for good,
outbox.undelivered records it for the member who caused it and for the admin.

Signing happens immediately before sending, never at enqueue time, so the Date is fresh.
The hot path touches the database only to load an activity body the first time (bodies and
keys are cached) and to record host failures; successes cost no write of their own (the
worker records finished jobs together, and a host's last success is written at most once a
minute, for the admin's view).

Our instance actor's activities for a city that reads batches go through `outbox.batching`:
those waiting for the same partner inbox share one POST, whose answer is each job's.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from exchange.hosts import record_delivered, record_failure
from federation.authority import authority_of, origin_base
from federation.client import PostResult
from federation.errors import AddressRefused, FetchError
from instance.actors import SigningKey
from instance.city import City
from instance.outcomes import PermanentFailure, RetryLater
from models import FailureReason, Host, Job, OutboundActivity, RemoteActor, table_of, utcnow

from .batching import CAPABILITY, Batcher

RETRYABLE = frozenset({401, 408, 429})
REFUSED = FailureReason.refused.value
REJECTED = FailureReason.rejected.value
NOT_FEDERATED = FailureReason.not_federated.value
UNREACHABLE = FailureReason.unreachable.value
BODY_CACHE_SIZE = 512
UNAVAILABLE_REFRESH_SECONDS = 30.0
#: a host's last success is written at most this often (after a failure: at once)
SUCCESS_NOTE_SECONDS = 60.0
#: whether a partner city reads batched messages is looked up again this often
CAPABILITY_REFRESH_SECONDS = 300.0


_OUTBOUND = table_of(OutboundActivity)
#: stored activities' bodies and actors by id (Core, built once)
_BODIES = select(_OUTBOUND.c.id, _OUTBOUND.c.body, _OUTBOUND.c.actor).where(
    _OUTBOUND.c.id.in_(bindparam("ids", expanding=True))
)


class Deliverer:
    """The `deliver` job handler of one city, with its caches."""

    def __init__(self, city: City) -> None:
        self.city = city
        self._bodies: OrderedDict[int, tuple[bytes, str]] = OrderedDict()
        self._failing: set[str] = set()
        self._unavailable: set[str] = set()
        self._unavailable_loaded = float("-inf")
        self._success_noted: dict[str, float] = {}
        self._batcher = Batcher(city.urls.instance_actor, self._post)
        #: per host: does its city read batched messages, and when we last looked
        self._batches: dict[str, tuple[bool, float]] = {}
        #: bodies asked for and not read yet, and the task that will read them together
        self._wanted: dict[int, asyncio.Future[tuple[bytes, str]]] = {}
        self._reader: asyncio.Future[None] | None = None

    async def _post(self, inbox: str, body: bytes, key: SigningKey) -> PostResult:
        return await self.city.fediverse.client.post_activity(
            inbox, body, key_id=key.key_id, private_key=key.private_key
        )

    async def _reads_batches(self, inbox: str) -> bool:
        """Whether the city of `inbox` says (its instance actor's `settlementBatches`) that it
        reads batched messages (outbox/batching.py); looked up at most every
        CAPABILITY_REFRESH_SECONDS per city. An older city gets every message alone."""
        partner = f"{origin_base(inbox)}/actor"
        known = self._batches.get(partner)
        if known is not None and time.monotonic() - known[1] < CAPABILITY_REFRESH_SECONDS:
            return known[0]

        def read(session: Session) -> bool:
            extra = session.scalar(select(RemoteActor.extra).where(RemoteActor.uri == partner))
            return bool(extra and extra.get(CAPABILITY) is True)

        reads = await self.city.db.read(read)
        self._batches[partner] = (reads, time.monotonic())
        return reads

    async def __call__(self, city: City, job: Job) -> None:
        activity_id: int = job.payload["activity"]
        inbox: str = job.payload["inbox"]
        authority = authority_of(inbox)
        fediverse = city.fediverse
        verdict = (await fediverse.policy.current()).verdict(inbox)
        if not verdict.allowed:
            raise PermanentFailure(f"not delivering: {verdict.reason}", code=NOT_FEDERATED)
        if authority in await self._unavailable_hosts():
            raise PermanentFailure(
                f"not delivering: {authority} is marked unavailable", code=UNREACHABLE
            )
        body, actor, key = await self._load(activity_id)
        try:
            if actor == city.urls.instance_actor and await self._reads_batches(inbox):
                result = await self._batcher.send(inbox, body, key)
            else:
                result = await self._post(inbox, body, key)
        except AddressRefused as exc:
            raise PermanentFailure(f"{inbox}: {exc}", code=UNREACHABLE) from None
        except FetchError as exc:
            await self._failed(authority)
            raise RetryLater(f"{inbox}: {exc}", code=UNREACHABLE) from None
        status = result.status
        if 200 <= status < 300:
            now = time.monotonic()
            noted = self._success_noted.get(authority, float("-inf"))
            if authority in self._failing or now - noted > SUCCESS_NOTE_SECONDS:
                self._failing.discard(authority)
                self._success_noted[authority] = now
                await city.db.write(lambda s: record_delivered(s, authority, utcnow()))
            return
        message = f"{inbox} answered {status}: {result.body_excerpt[:200]}"
        if status in RETRYABLE or status >= 500:
            await self._failed(authority)
            code = REFUSED if status == 401 else UNREACHABLE
            raise RetryLater(message, after=result.retry_after, code=code)
        raise PermanentFailure(message, code=REFUSED if status == 403 else REJECTED)

    async def _failed(self, authority: str) -> None:
        self._failing.add(authority)
        marked = await self.city.db.write(lambda s: record_failure(s, authority, utcnow()))
        if marked:
            self._unavailable.add(authority)

    async def _unavailable_hosts(self) -> set[str]:
        if time.monotonic() - self._unavailable_loaded > UNAVAILABLE_REFRESH_SECONDS:
            rows = await self.city.db.read(
                lambda s: set(
                    s.scalars(select(Host.authority).where(Host.unavailable_since.is_not(None)))
                )
            )
            self._unavailable = rows
            self._unavailable_loaded = time.monotonic()
        return self._unavailable

    async def _load(self, activity_id: int) -> tuple[bytes, str, SigningKey]:
        cached = self._bodies.get(activity_id)
        if cached is None:
            cached = await self._read_body(activity_id)
        body, actor = cached
        actors = self.city.fediverse.actors
        key = actors.cached_key(actor)
        if key is None:
            key = await self.city.db.read(lambda s: actors.signing_key(s, actor))
        return body, actor, key

    async def _read_body(self, activity_id: int) -> tuple[bytes, str]:
        """The stored body, read together with those the other deliveries of this worker
        turn ask for: one read transaction for a turn's jobs (a partner's batch of settlement
        messages is many of them), not one each."""
        wanted = self._wanted.get(activity_id)
        if wanted is None:
            wanted = self._wanted[activity_id] = asyncio.get_running_loop().create_future()
            if self._reader is None:
                self._reader = asyncio.ensure_future(self._read_wanted())
        return await asyncio.shield(wanted)

    async def _read_wanted(self) -> None:
        await asyncio.sleep(0)  # the deliveries started in the same turn ask first
        wanted, self._wanted, self._reader = self._wanted, {}, None
        try:
            rows = await self.city.db.read(
                lambda s: s.execute(_BODIES, {"ids": sorted(wanted)}).all()
            )
        except Exception as exc:
            for future in wanted.values():
                future.set_exception(exc)
            return
        found = {activity_id: (body.encode(), actor) for activity_id, body, actor in rows}
        for activity_id, future in wanted.items():
            if activity_id in found:
                self._bodies[activity_id] = found[activity_id]
                future.set_result(found[activity_id])
            else:
                future.set_exception(PermanentFailure(f"activity {activity_id} no longer exists"))
        while len(self._bodies) > BODY_CACHE_SIZE:
            self._bodies.popitem(last=False)

    def forget_unavailable(self) -> None:
        self._unavailable_loaded = float("-inf")
