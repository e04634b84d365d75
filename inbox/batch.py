"""A partner city's batch: several of its instance actor's activities in one signed POST.

Why: under load a city has many votes, commits and receipts for the same partner at once;
sent one by one, each cost a signed POST, a verification and a write transaction here. The
sender now carries them in one `Collection` (outbox/batching.py; the shape in
docs/FEDERATION.md, "Batched settlement messages"), and the settlement activities among them
are applied here in ONE write transaction, each in a savepoint of its own.

What does not change: the batch passed every check of `inbox.receive` (signature, signer is
the batch's actor, policy, suspension) and its actor is a city's instance actor. Every item
must be an activity with its own id on that city and that same actor, or the whole batch is
refused (400) and nothing is applied or stored. Each item is then what it would have been
alone: its row stored under its own id (a replayed item is a no-op), applied by the same
claims and use cases with their own checks of the sender (inbox/inline.py,
inbox/settlements.py); an item that is not a settlement activity, or that cannot be applied
now (a commit ahead of its Offer, a failure: its savepoint rolls back), is stored for the
worker as it would have been alone. The batch itself is not stored: it is only an envelope.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy.orm import Session

from exchange.hosts import record_success
from exchange.settlements import read_ahead
from federation.authority import authority_of
from instance.city import City
from services.settlement_outcomes import instance_actor_of

from .envelope import EnvelopeError, read_envelope
from .inline import InlineDelivery, applicable, claim_at_once, row_of
from .settlements import settlements_named
from .writer import InboxWriter, Received

log = logging.getLogger("comptoir.inbox")

#: a batch carries at most this many activities (the sender sends at most 50)
MAX_ITEMS = 200


class BatchError(ValueError):
    """The batch is refused whole: an item is not an activity of the batch's actor."""


def is_batch(kind: str, actor: str, activity: dict[str, Any]) -> bool:
    """A Collection of activities sent by a city's instance actor. Anything else named
    Collection is left to the ordinary path (stored, and ignored by the worker)."""
    return kind == "Collection" and actor == instance_actor_of(actor) and "items" in activity


def items_of(activity: dict[str, Any], actor: str, signed_by: str) -> list[tuple[Received, Any]]:
    """The batch's activities as the inbox would have received them one by one."""
    items = activity.get("items")
    if not isinstance(items, list) or not items:
        raise BatchError("a batch has a non-empty list of items")
    if len(items) > MAX_ITEMS:
        raise BatchError(f"a batch has at most {MAX_ITEMS} items")
    received: list[tuple[Received, Any]] = []
    for item in items:
        if not isinstance(item, dict) or "@context" not in item:
            raise BatchError("every item of a batch is an activity with its @context")
        try:
            item_id, kind, item_actor = read_envelope(item)
        except EnvelopeError as exc:
            raise BatchError(f"an item of the batch: {exc}") from None
        if item_actor != actor:
            raise BatchError(f"the item {item_id} is not by the batch's actor {actor}")
        if authority_of(item_id) != authority_of(actor):
            raise BatchError(f"the item {item_id} is not on the host of {actor}")
        if kind == "Collection":
            raise BatchError("a batch does not nest batches")
        body = orjson.dumps(item).decode()
        received.append((Received(item_id, kind[:60], actor, signed_by, body), item))
    return received


@dataclass
class _Pending:
    delivery: BatchedDelivery
    change: Callable[[Session], Any]
    future: asyncio.Future[Any]


@dataclass
class _Group:
    """The changes the batch's claims hand in, run together once every claim waits."""

    pending: list[_Pending] = field(default_factory=list)
    submitted: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class BatchedDelivery(InlineDelivery):
    """An InlineDelivery whose `apply` waits for the batch's one transaction."""

    group: _Group = field(default_factory=_Group)

    async def apply(self, change: Callable[[Session], Any]) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.group.pending.append(_Pending(self, change, future))
        self.group.submitted.set()
        result = await future
        self.applied = True
        return result


async def _run_together(city: City, actor: str, pending: list[_Pending]) -> None:
    """One write transaction for every change handed in, each in its own savepoint: a change
    that fails leaves the others applied, and its claim sees its exception."""

    def work(session: Session) -> list[tuple[bool, Any]]:
        outcomes: list[tuple[bool, Any]] = []
        read_ahead(session, settlements_named(item.delivery for item in pending))
        for item in pending:
            try:
                with session.begin_nested():
                    outcomes.append((True, item.delivery.store_and_change(session, item.change)))
            except Exception as exc:
                outcomes.append((False, exc))
        record_success(session, authority_of(actor))
        return outcomes

    try:
        outcomes = await city.db.write(work)
    except Exception as exc:  # the transaction failed: every item goes to the worker
        for item in pending:
            item.future.set_exception(exc)
        return
    for item, (ok, value) in zip(pending, outcomes, strict=True):
        if ok:
            item.future.set_result(value)
        else:
            item.future.set_exception(value)


async def _apply_together(city: City, actor: str, deliveries: list[BatchedDelivery]) -> list[bool]:
    """Run the claims of `deliveries` concurrently; whenever every claim still running waits
    in `apply`, run their changes in one transaction. Each claim's outcome, in order."""
    group = deliveries[0].group
    order = {id(delivery): n for n, delivery in enumerate(deliveries)}
    tasks = [asyncio.ensure_future(claim_at_once(d)) for d in deliveries]
    while running := [task for task in tasks if not task.done()]:
        if group.pending and len(group.pending) >= len(running):
            pending, group.pending = group.pending, []
            # in the batch's order, whatever order the claims reached `apply` in: an Offer
            # waits for its sender's actor, and the commit after it must find its settlement
            pending.sort(key=lambda item: order[id(item.delivery)])
            await _run_together(city, actor, pending)
            continue
        group.submitted.clear()
        handed_in = asyncio.ensure_future(group.submitted.wait())
        await asyncio.wait([*running, handed_in], return_when=asyncio.FIRST_COMPLETED)
        handed_in.cancel()
    return [task.result() for task in tasks]


async def receive_batch(
    city: City, writer: InboxWriter, activity: dict[str, Any], actor: str, signed_by: str
) -> None:
    """Apply the batch's settlement activities in one transaction; store the rest, and what
    could not be applied, for the worker. Raises BatchError (nothing done) for a bad batch."""
    items = items_of(activity, actor, signed_by)
    group = _Group()
    inline = [
        BatchedDelivery(city, row_of(item), document, group=group)
        for item, document in items
        if applicable(item, document)
    ]
    applied = await _apply_together(city, actor, inline) if inline else []
    done = {d.row.uri for d, ok in zip(inline, applied, strict=True) if ok}
    # stored together: one group commit (inbox/writer.py), in the batch's order
    await asyncio.gather(*(writer.store(item) for item, _ in items if item.uri not in done))
