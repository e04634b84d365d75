"""Values the market's forms share: a quantity, and a day that ends an offer or a listing.

A wrong value is a DomainError 400 naming the field, shown back to the member on the form.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from starlette.datastructures import FormData

from exchange.errors import DomainError
from instance import i18n


def quantity(form: FormData) -> int:
    text = str(form.get("quantity", "1")).strip() or "1"
    if not text.isdigit():
        raise DomainError("invalid_quantity", "quantity must be a whole number", 400)
    return int(text)


def decimal(value: object) -> str:
    """A number a person typed, as the canonical decimal the domain reads: '25,50' in French
    is '25.50'; what is no number in the page's language is passed on unchanged, for the
    domain's parser to refuse with its code (so English '25,50' is refused, not guessed)."""
    return i18n.canonical_decimal(str(value or ""))


def optional_decimal(form: FormData, name: str) -> str | None:
    """`decimal` of a field that may be left empty (None: empty)."""
    text = str(form.get(name, "")).strip()
    return decimal(text) if text else None


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
