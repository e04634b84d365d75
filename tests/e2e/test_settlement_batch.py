"""A partner city's settlement messages batched in one signed POST (inbox/batch.py).

City B is played by hand with its real instance key, as in test_settlement_inline.py; city
A's worker is held, so that what the batch's request applied is told from the worker's work.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import select

from federation.httpsig import sign_headers
from models import InboundActivity, JobState, SettlementState

from .settlement import balances
from .test_settlement import agreed_trade
from .test_settlement_inline import commit, inbound, settlement, votes, worker_held
from .test_settlement_refusals import offer, rule_of


def batch(b: Any, a: Any, items: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{b.url}/actor/batches/1",
        "type": "Collection",
        "actor": f"{b.url}/actor",
        "to": [f"{a.url}/actor"],
        "totalItems": len(items),
        "items": items,
        **fields,
    }


async def post(a: Any, b: Any, document: dict[str, Any]) -> Any:
    body = orjson.dumps(document)
    signer = b.city.fediverse.directory.signer
    headers = sign_headers(
        "POST", f"{a.url}/inbox", key_id=signer.key_id, private_key=signer.private_key, body=body
    )
    headers["Content-Type"] = "application/activity+json"
    return await a.http.post("/inbox", content=body, headers=headers)


def stored(a: Any) -> int:
    return len(a.db.read_sync(lambda s: s.scalars(select(InboundActivity)).all()))


async def test_a_batched_offer_and_commit_are_both_applied_before_the_inbox_answers(
    start_city: Any,
) -> None:
    a, b, _, _, _, thread = await agreed_trade(start_city)
    document = offer(b, a, thread, rule_of(a))
    uri = document["object"]["id"]
    with worker_held(a):
        answer = await post(a, b, batch(b, a, [document, commit(b, a, uri)]))
        assert answer.status_code == 202, answer.text
        row = settlement(a)
        assert row is not None and row.state is SettlementState.committed
        assert balances(a)["member:alice"] == (300, 0, 0)
        for item in (document["id"], f"{uri}/commit"):
            row_of_item = inbound(a, item)
            assert row_of_item is not None and row_of_item.state is JobState.done
        assert inbound(a, f"{b.url}/actor/batches/1") is None


async def test_a_replayed_batch_changes_nothing(start_city: Any) -> None:
    a, b, _, _, _, thread = await agreed_trade(start_city)
    document = offer(b, a, thread, rule_of(a))
    uri = document["object"]["id"]
    with worker_held(a):
        for _ in range(2):
            answer = await post(a, b, batch(b, a, [document, commit(b, a, uri)]))
            assert answer.status_code == 202, answer.text
        assert votes(a, document["id"]) == 1
        assert balances(a)["member:alice"] == (300, 0, 0)


async def test_a_commit_ahead_of_its_offer_in_a_batch_is_stored_for_the_worker(
    start_city: Any,
) -> None:
    a, b, _, _, _, thread = await agreed_trade(start_city)
    document = offer(b, a, thread, rule_of(a))
    uri = document["object"]["id"]
    with worker_held(a):
        answer = await post(a, b, batch(b, a, [commit(b, a, uri), document]))
        assert answer.status_code == 202, answer.text
        parked = inbound(a, f"{uri}/commit")
        assert parked is not None and parked.state is JobState.queued
        row = settlement(a)
        assert row is not None and row.state is SettlementState.prepared


async def test_a_batch_with_an_item_of_another_actor_is_refused_whole(start_city: Any) -> None:
    a, b, _, _, _, thread = await agreed_trade(start_city)
    before = stored(a)
    good = offer(b, a, thread, rule_of(a))
    other = offer(b, a, thread, rule_of(a), actor=f"{b.url}/users/bob", id=f"{b.url}/x/2")
    answer = await post(a, b, batch(b, a, [good, other]))
    assert answer.status_code == 400
    assert "not by the batch's actor" in answer.json()["error"]
    assert settlement(a) is None and stored(a) == before


async def test_a_batch_with_an_item_from_another_host_is_refused_whole(start_city: Any) -> None:
    a, b, _, _, _, thread = await agreed_trade(start_city)
    before = stored(a)
    good = offer(b, a, thread, rule_of(a))
    foreign = offer(b, a, thread, rule_of(a), id="https://elsewhere.example/x/1")
    answer = await post(a, b, batch(b, a, [good, foreign]))
    assert answer.status_code == 400
    assert settlement(a) is None and stored(a) == before


async def test_a_batch_with_an_item_that_is_not_an_activity_is_refused_whole(
    start_city: Any,
) -> None:
    a, b, _, _, _, thread = await agreed_trade(start_city)
    before = stored(a)
    answer = await post(a, b, batch(b, a, [offer(b, a, thread, rule_of(a)), "just a string"]))
    assert answer.status_code == 400
    assert settlement(a) is None and stored(a) == before


async def test_a_nested_batch_is_refused(start_city: Any) -> None:
    a, b, _, _, _, thread = await agreed_trade(start_city)
    inner = batch(b, a, [offer(b, a, thread, rule_of(a))], id=f"{b.url}/actor/batches/2")
    answer = await post(a, b, batch(b, a, [inner]))
    assert answer.status_code == 400
    assert settlement(a) is None


async def test_an_empty_batch_is_refused(start_city: Any) -> None:
    a, b, *_ = await agreed_trade(start_city)
    answer = await post(a, b, batch(b, a, []))
    assert answer.status_code == 400


async def test_a_city_says_in_its_instance_actor_that_it_reads_batches(start_city: Any) -> None:
    a, *_ = await agreed_trade(start_city)
    answer = await a.http.get("/actor", headers={"Accept": "application/activity+json"})
    assert answer.json()["settlementBatches"] is True
