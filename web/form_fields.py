"""Values the market's forms share: a quantity, and a day that ends an offer or a listing.

A wrong value is a DomainError 400 naming the field, shown back to the member on the form.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from starlette.datastructures import FormData

from exchange.errors import DomainError


def quantity(form: FormData) -> int:
    text = str(form.get("quantity", "1")).strip() or "1"
    if not text.isdigit():
        raise DomainError("invalid_quantity", "quantity must be a whole number", 400)
    return int(text)


def end_of_day(form: FormData, name: str = "expires_on") -> datetime | None:
    """The last minute (UTC) of the day a date field names, or None when it is empty."""
    text = str(form.get(name, "")).strip()
    if not text:
        return None
    try:
        return datetime.combine(datetime.fromisoformat(text).date(), time(23, 59), UTC)
    except ValueError:
        raise DomainError(
            "invalid_expiry", "the expiry must be a date like 2026-12-24", 400
        ) from None
