"""A partner city's settlement activity is applied in the inbox request that receives it.

Its row is stored, done, in the transaction of its handler (inbox/inline.py): no group commit,
claim or outcome of its own. What cannot be applied there (a commit ahead of its Offer, an
activity not from an instance actor) is stored for the worker as before. City B is played by
hand with its real instance key (tests/e2e/test_settlement_refusals.py); city A's worker is
held (no free slot: it claims nothing) where a test must tell the request from the worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select

from models import InboundActivity, JobState, OutboundActivity, Settlement, SettlementState

from .helpers import eventually, settled
from .settlement import balances
from .test_settlement import agreed_trade
from .test_settlement_refusals import offer, rule_of, send


@contextmanager
def worker_held(city: Any) -> Iterator[None]:
    """The city's worker claims nothing inside the block (its number of slots is zero)."""
    worker = city.city.worker
    slots, worker.concurrency = worker.concurrency, 0
    try:
        yield
    finally:
        worker.concurrency = slots
        worker.wake()


def inbound(a: Any, uri: str) -> InboundActivity | None:
    return a.db.read_sync(
        lambda s: s.scalars(select(InboundActivity).where(InboundActivity.uri == uri)).one_or_none()
    )


def settlement(a: Any) -> Settlement | None:
    return a.db.read_sync(lambda s: s.scalars(select(Settlement)).one_or_none())


def votes(a: Any, prepare: str) -> int:
    """A's votes on the Offer `prepare` (its Accepts naming it)."""
    return len(
        a.db.read_sync(
            lambda s: s.scalars(
                select(OutboundActivity).where(
                    OutboundActivity.type == "Accept", OutboundActivity.object_uri == prepare
                )
            ).all()
        )
    )


def commit(b: Any, a: Any, uri: str) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{uri}/commit",
        "type": "Settle",
        "actor": f"{b.url}/actor",
        "to": [f"{a.url}/actor"],
        "object": uri,
    }


async def test_a_partners_settlement_offer_is_applied_before_the_inbox_answers(
    start_city: Any,
) -> None:
    a, b, _, _, _, thread = await agreed_trade(start_city)
    document = offer(b, a, thread, rule_of(a))
    with worker_held(a):
        await send(a, b, document)
        row = settlement(a)
        assert row is not None and row.state is SettlementState.prepared
        stored = inbound(a, document["id"])
        assert stored is not None and stored.state is JobState.done
        assert balances(a)["member:alice"] == (0, 0, 300)
        assert votes(a, document["id"]) == 1


async def test_a_replayed_settlement_offer_is_applied_once(start_city: Any) -> None:
    a, b, _, _, _, thread = await agreed_trade(start_city)
    document = offer(b, a, thread, rule_of(a))
    with worker_held(a):
        await send(a, b, document)
        await send(a, b, document)
        assert votes(a, document["id"]) == 1
        assert balances(a)["member:alice"] == (0, 0, 300)


async def test_a_commit_ahead_of_its_offer_is_stored_for_the_worker_and_applied_after_it(
    start_city: Any,
) -> None:
    a, b, _, _, _, thread = await agreed_trade(start_city)
    document = offer(b, a, thread, rule_of(a))
    uri = document["object"]["id"]
    with worker_held(a):
        await send(a, b, commit(b, a, uri))
        parked = inbound(a, f"{uri}/commit")
        assert parked is not None and parked.state is JobState.queued
        assert settlement(a) is None
        await send(a, b, document)
    await eventually(lambda: _state(a, SettlementState.committed), timeout=15)
    await settled(a)
    assert balances(a)["member:alice"] == (300, 0, 0)


async def test_a_settlement_offer_signed_by_a_member_is_left_to_the_worker(
    start_city: Any,
) -> None:
    a, b, _, _, _, thread = await agreed_trade(start_city)
    document = offer(b, a, thread, rule_of(a), actor=f"{b.url}/users/bob")
    with worker_held(a):
        await send(a, b, document, as_member="bob")
        stored = inbound(a, document["id"])
        assert stored is not None and stored.state is JobState.queued
        assert settlement(a) is None
        assert votes(a, document["id"]) == 0


async def _state(a: Any, state: SettlementState) -> bool:
    row = settlement(a)
    return row is not None and row.state is state
