"""The worker side of the inbox: turn a stored activity into changes, exactly once.

A handler may first await what it needs from the network (the remote actor, through the
directory), then makes its changes in one transaction that also marks the row done; a crash
before that commit leaves the row to be processed again, a crash after it changes nothing.
Unknown activity types are kept (the row is the record) and otherwise ignored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy.orm import Session

from exchange.hosts import record_success
from federation.authority import authority_of
from federation.errors import DocumentTooLarge, JsonLdError
from federation.jsonld import needs_normalisation, normalize_activity
from federation.vocab import id_of
from instance import queue
from instance.city import City
from instance.outcomes import PermanentFailure
from instance.worker import Queue
from models import InboundActivity, RemoteActor

log = logging.getLogger("comptoir.inbox")


@dataclass
class Delivery:
    """One activity being processed, with what every handler needs."""

    city: City
    row: InboundActivity
    activity: dict[str, Any]

    @property
    def actor_uri(self) -> str:
        return self.row.actor

    @property
    def object(self) -> Any:
        return self.activity.get("object")

    @property
    def object_id(self) -> str | None:
        return id_of(self.activity.get("object"))

    async def sender(self) -> RemoteActor:
        return await self.city.fediverse.directory.actor(self.actor_uri)

    async def apply(self, change: Callable[[Session], Any]) -> Any:
        """Run `change` and mark this activity done, in one transaction."""
        row = self.row

        def work(session: Session) -> Any:
            result = change(session)
            record_success(session, authority_of(row.actor))
            queue.finish(session, InboundActivity, [row.id], row.locked_by or "")
            return result

        return await self.city.db.write(work)


Handler = Callable[[Delivery], Awaitable[None]]


def plain_shape(activity: dict[str, Any]) -> dict[str, Any]:
    """The activity in the plain compacted shape handlers read (Mastodon's).

    Almost every activity already is (a test of microseconds); the rare prefixed or oddly
    contexted one is normalised with pyld and the bundled contexts. One naming a context we do
    not bundle is read as it is, as Mastodon would: contexts are never fetched. Raises
    DocumentTooLarge (before pyld runs) for a document too large to normalise.
    """
    if not needs_normalisation(activity):
        return activity
    try:
        return normalize_activity(activity)
    except DocumentTooLarge:
        raise
    except JsonLdError:
        return activity


async def verified_shape(row: InboundActivity, activity: dict[str, Any]) -> dict[str, Any]:
    """The stored activity in plain shape, normalised off the event loop when it must be.

    The inbox read the id and actor it verified cheaply, from top-level keys only
    (`inbox.envelope`); the normalised document must say the same, or it is refused.
    """
    if not needs_normalisation(activity):
        return activity
    try:
        shaped = await asyncio.to_thread(plain_shape, activity)
    except DocumentTooLarge as exc:
        raise PermanentFailure(f"not normalised: {exc}") from None
    if shaped.get("id") != row.uri or id_of(shaped.get("actor")) != row.actor:
        raise PermanentFailure(
            "the normalised activity names another id or actor than the verified one"
        )
    return shaped


def inbox_queue(city: City, handlers: dict[str, Handler]) -> Queue:
    """The queue of received activities, dispatching on the activity type."""

    async def process(row: InboundActivity) -> None:
        try:
            activity = orjson.loads(row.body)
        except orjson.JSONDecodeError:
            raise PermanentFailure("stored body is not JSON") from None
        if not isinstance(activity, dict):
            raise PermanentFailure("stored body is not a JSON object")
        activity = await verified_shape(row, activity)
        handler = handlers.get(row.type)
        delivery = Delivery(city, row, activity)
        if handler is None:
            await delivery.apply(lambda s: None)
            return
        await handler(delivery)

    return Queue(InboundActivity, lambda _row: process, max_attempts=8)
