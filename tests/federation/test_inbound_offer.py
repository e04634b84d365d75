"""An inbound negotiation Offer: the Agreement's terms, read once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from federation.inbound_offer import parse_offer

LISTING = "https://a.example/listings/1"


def offer(terms: Any, **fields: Any) -> dict[str, Any]:
    return {
        "id": "https://b.example/offers/1",
        "type": "Offer",
        "actor": "https://b.example/users/bob",
        "object": terms,
        **fields,
    }


def agreement(**fields: Any) -> dict[str, Any]:
    return {
        "type": "Agreement",
        "stipulates": {
            "type": "Commitment",
            "satisfies": f"{LISTING}#primary",
            "resourceQuantity": {"hasNumericalValue": "2"},
        },
        **fields,
    }


def test_an_offer_is_an_agreement_with_an_id() -> None:
    assert parse_offer(offer(agreement())) is not None
    assert parse_offer(offer({"type": "Note"})) is None
    assert parse_offer(offer("https://b.example/agreements/1")) is None
    assert parse_offer({"type": "Offer", "object": agreement()}) is None


def test_the_listing_is_what_the_primary_commitment_satisfies_else_the_target() -> None:
    parsed = parse_offer(offer(agreement(), target="https://a.example/listings/other"))
    untargeted = parse_offer(offer({"type": "Agreement"}, target={"id": LISTING}))
    assert parsed and untargeted
    assert parsed.listing_uri == LISTING
    assert untargeted.listing_uri == LISTING
    assert untargeted.quantity is None


def test_a_reciprocal_conforming_to_a_currency_is_a_price_else_goods() -> None:
    priced = parse_offer(
        offer(
            agreement(
                stipulatesReciprocal={
                    "resourceConformsTo": "https://a.example/currency",
                    "resourceQuantity": {"hasNumericalValue": "7.50"},
                }
            )
        )
    )
    bartered = parse_offer(
        offer(
            agreement(
                stipulatesReciprocal={
                    "name": "a lamp",
                    "resourceQuantity": {"hasNumericalValue": "1"},
                }
            )
        )
    )
    assert priced and bartered
    assert (priced.quantity, priced.price, priced.goods) == ("2", "7.50", "")
    assert (bartered.price, bartered.goods) == (None, "a lamp")


def test_the_thread_is_the_context_or_the_offer_itself() -> None:
    first = parse_offer(offer(agreement()))
    later = parse_offer(
        offer(
            agreement(),
            context="https://a.example/negotiations/x",
            inReplyTo="https://a.example/offers/0",
            content="<p>deal?</p>",
            endTime="2024-05-08T00:00:00Z",
        )
    )
    assert first and later
    assert first.context == "https://b.example/offers/1"
    assert (first.in_reply_to, first.content, first.end_time) == (None, None, None)
    assert later.context == "https://a.example/negotiations/x"
    assert later.in_reply_to == "https://a.example/offers/0"
    assert later.content == "<p>deal?</p>"
    assert later.end_time == datetime(2024, 5, 8, tzinfo=UTC)
