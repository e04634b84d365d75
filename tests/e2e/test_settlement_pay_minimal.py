"""`Prefer: return=minimal` on a payment (RFC 7240): the outcome, not the whole thread
(api/negotiations.py, `wants_minimal`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from instance.directory import ACTOR_MAX_AGE
from models import RemoteActor, utcnow
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


async def test_a_payment_fetches_a_stale_partner_actor_again_before_paying(
    start_city: Any,
) -> None:
    a, b, _, bob, _, thread = await agreed_trade(start_city)
    partner = f"{a.url}/actor"
    long_ago = utcnow() - ACTOR_MAX_AGE - timedelta(hours=1)

    def age(session: Session) -> None:
        session.execute(
            update(RemoteActor).where(RemoteActor.uri == partner).values(fetched_at=long_ago)
        )

    await b.db.write(age)
    answer = await pay(bob, thread["id"], "return=minimal")
    assert answer.status_code == 200, answer.text
    assert answer.json()["agreement"]["settlement"]["state"] == "preparing"

    def fetched_at(session: Session) -> Any:
        return session.scalar(select(RemoteActor.fetched_at).where(RemoteActor.uri == partner))

    assert await b.db.read(fetched_at) > long_ago
