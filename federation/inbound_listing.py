"""An inbound listing: a Note carrying FEP-0837 fields, read once from compacted AS2 JSON.

A Note is a listing when its `purpose` is "offer" or "request" and it `publishes` a
Commitment (the goods, with their `availableQuantity` and the category they conform to); a
`reciprocal` Commitment holds the price asked. Quantities stay the decimal strings they were
sent as (`federation.vocab.number_text`); the currency and the limits are the domain's
(exchange/remote_listings.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from federation.inbound_note import InboundNote, parse_note
from federation.times import parse_time
from federation.vocab import number_text


@dataclass(frozen=True)
class Location:
    """A Place: its name and, when both are numbers, its coordinates (not range-checked)."""

    name: str
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class InboundListing:
    note: InboundNote
    #: "offer" or "request"
    purpose: str
    #: the published Commitment's `availableQuantity`, as sent
    available_quantity: str | None
    #: the published Commitment's `resourceConformsTo` (a category URL)
    conforms_to: str | None
    #: whether a reciprocal Commitment is asked for, and its quantity (the price) as sent
    has_reciprocal: bool
    price: str | None
    location: Location
    end_time: datetime | None

    @property
    def id(self) -> str:
        return self.note.id


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _location(value: Any) -> Location:
    place = value if isinstance(value, dict) else {}
    latitude, longitude = _number(place.get("latitude")), _number(place.get("longitude"))
    if latitude is None or longitude is None:
        latitude = longitude = None
    return Location(name=str(place.get("name") or ""), latitude=latitude, longitude=longitude)


def parse_listing(obj: Any) -> InboundListing | None:
    """The listing an object is, or None when it is none (a plain note, or anything else)."""
    if not isinstance(obj, dict) or obj.get("type") != "Note":
        return None
    if obj.get("purpose") not in ("offer", "request"):
        return None
    publishes = obj.get("publishes")
    note = parse_note(obj)
    if not isinstance(publishes, dict) or note is None:
        return None
    reciprocal = obj.get("reciprocal")
    price = (
        number_text(reciprocal.get("resourceQuantity")) if isinstance(reciprocal, dict) else None
    )
    conforms = publishes.get("resourceConformsTo")
    return InboundListing(
        note=note,
        purpose=obj["purpose"],
        available_quantity=number_text(publishes.get("availableQuantity")),
        conforms_to=conforms if isinstance(conforms, str) else None,
        has_reciprocal=isinstance(reciprocal, dict),
        price=price,
        location=_location(obj.get("location")),
        end_time=parse_time(obj.get("endTime")),
    )
