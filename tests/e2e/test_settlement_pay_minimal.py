"""`Prefer: return=minimal` on a payment (RFC 7240): the outcome, not the whole thread
(api/negotiations.py, `wants_minimal`)."""

from __future__ import annotations

from typing import Any

from tests.e2e.market import API

from .test_settlement import agreed_trade


async def pay(bob: Any, thread_id: str, prefer: str | None) -> Any:
    headers = bob._headers() | ({"Prefer": prefer} if prefer else {})
    return await bob.city.http.post(
        f"{API}/negotiations/{thread_id}/agreement/pay", json={}, headers=headers
    )


async def test_a_payment_with_return_minimal_answers_its_outcome_alone(start_city: Any) -> None:
    _, _, _, bob, _, thread = await agreed_trade(start_city)
    answer = await pay(bob, thread["id"], "return=minimal")
    assert answer.status_code == 200, answer.text
    assert answer.headers["Preference-Applied"] == "return=minimal"
    body = answer.json()
    assert set(body) == {"id", "agreement"} and body["id"] == thread["id"]
    settlement = body["agreement"]["settlement"]
    assert settlement["source"] == {"amount": "6.00", "currency": "BRQ"}
    assert settlement["target"] == {"amount": "3.00", "currency": "GRN"}


async def test_a_payment_without_the_preference_answers_the_thread(start_city: Any) -> None:
    _, _, _, bob, _, thread = await agreed_trade(start_city)
    answer = await pay(bob, thread["id"], None)
    assert answer.status_code == 200, answer.text
    assert "Preference-Applied" not in answer.headers
    assert answer.json()["offers"] and answer.json()["agreement"]["settlement"] is not None
