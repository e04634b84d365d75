"""An inbound listing: a Note with FEP-0837 fields, read once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from federation.inbound_listing import Location, parse_listing


def listing(**fields: Any) -> dict[str, Any]:
    return {
        "id": "https://b.example/listings/1",
        "type": "Note",
        "attributedTo": "https://b.example/users/bob",
        "purpose": "offer",
        "publishes": {"type": "Commitment"},
        **fields,
    }


def test_a_listing_is_a_note_with_a_purpose_and_a_published_commitment() -> None:
    assert parse_listing(listing()) is not None
    assert parse_listing(listing(purpose="request")) is not None
    assert parse_listing(listing(purpose="gift")) is None
    assert parse_listing(listing(publishes="https://b.example/commitments/1")) is None
    assert parse_listing(listing(type="Article")) is None
    assert parse_listing({"type": "Note", "content": "just a note"}) is None


def test_quantities_stay_the_strings_they_were_sent_as() -> None:
    parsed = parse_listing(
        listing(
            publishes={
                "availableQuantity": {"hasUnit": "one", "hasNumericalValue": "3"},
                "resourceConformsTo": "https://b.example/categories/bikes",
            },
            reciprocal={"resourceQuantity": {"hasUnit": "one", "hasNumericalValue": "12.50"}},
        )
    )
    assert parsed is not None
    assert (parsed.available_quantity, parsed.price, parsed.has_reciprocal) == ("3", "12.50", True)
    assert parsed.conforms_to == "https://b.example/categories/bikes"


def test_a_listing_without_reciprocal_asks_nothing_and_a_float_is_no_quantity() -> None:
    parsed = parse_listing(listing(publishes={"availableQuantity": 3.0}))
    assert parsed is not None
    assert (parsed.available_quantity, parsed.price, parsed.has_reciprocal) == (None, None, False)


def test_the_location_has_coordinates_only_when_both_are_numbers() -> None:
    placed = parse_listing(
        listing(location={"type": "Place", "name": "Old port", "latitude": 43.3, "longitude": 5})
    )
    half = parse_listing(
        listing(location={"name": "Somewhere", "latitude": 43.3, "longitude": "5"})
    )
    boolean = parse_listing(listing(location={"latitude": True, "longitude": 5}))
    assert placed and half and boolean
    assert placed.location == Location("Old port", 43.3, 5.0)
    assert half.location == Location("Somewhere", None, None)
    assert boolean.location == Location("", None, None)
    assert parse_listing(listing()).location == Location("", None, None)  # type: ignore[union-attr]


def test_the_note_parts_and_the_end_time_are_read_too() -> None:
    parsed = parse_listing(
        listing(
            name="A bike", endTime="2024-06-01T00:00:00Z", tag={"type": "Hashtag", "name": "#x"}
        )
    )
    assert parsed is not None
    assert parsed.id == "https://b.example/listings/1"
    assert parsed.note.name == "A bike"
    assert parsed.end_time == datetime(2024, 6, 1, tzinfo=UTC)
    assert [tag.name for tag in parsed.note.tags] == ["#x"]
