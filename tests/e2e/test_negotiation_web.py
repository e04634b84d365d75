"""A question asked from the web before any offer, across two real cities: it federates as a
negotiation message, the seller's city opens the same thread (same `context`), the answer
comes back, and the offer that follows lands in that thread on both sides."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from models import Negotiation, NegotiationKind

from .helpers import eventually
from .test_negotiation import listed, until
from .test_partners_web import browser


async def test_a_question_from_another_city_opens_one_thread_that_the_offer_then_joins(
    start_city: Any,
) -> None:
    a, b, alice, bob, listing = await listed(start_city)
    async with browser(b, "bob") as at_b, browser(a, "alice") as at_a:
        page = f"/listings/{listing['b']['id']}"
        asked = await at_b.submit(page, f"{page}/question", text="Can you fix gears?")  # type: ignore[attr-defined]
        assert asked.status_code == 303, asked.text
        thread_at_b = asked.headers["location"]

        on_a = await until(alice, lambda t: len(t["messages"]) == 1)
        assert on_a["kind"] == "offers" and on_a["offers"] == []
        assert on_a["messages"][0]["content"] == "<p>Can you fix gears?</p>"
        thread_at_a = f"/negotiations/{on_a['id']}"
        assert "Can you fix gears?" in (await at_a.get(thread_at_a)).text

        answered = await at_a.submit(thread_at_a, f"{thread_at_a}/message", text="Yes, gears too.")  # type: ignore[attr-defined]
        assert answered.status_code == 303

        async def answer_seen() -> bool:
            return "Yes, gears too." in (await at_b.get(thread_at_b)).text

        await eventually(answer_seen)

        offered = await at_b.submit(  # type: ignore[attr-defined]
            page, f"{page}/offer", quantity="1", price="2.00", step="confirm"
        )
        assert offered.status_code == 303 and offered.headers["location"] == thread_at_b
        on_a = await until(alice, lambda t: len(t["offers"]) == 1)
        assert on_a["id"] == re.sub(r".*/", "", thread_at_a.rstrip("/"))
        on_b = (await bob.get("/negotiations")).json()["negotiations"][0]
        assert on_b["context"] == on_a["context"]
        page_at_a = (await at_a.get(thread_at_a)).text
        said = [page_at_a.index(t) for t in ("Can you fix gears?", "Yes, gears too.", "2.00 GRN")]
        assert said == sorted(said)

    for city in (a, b):
        threads = await city.db.read(
            lambda s: s.scalar(
                select(func.count())
                .select_from(Negotiation)
                .where(Negotiation.kind == NegotiationKind.offers)
            )
        )
        assert threads == 1
