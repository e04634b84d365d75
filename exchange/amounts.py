"""Amounts in requests: the kernel's parser (instance/amounts.py), refusing with a DomainError.

A refused amount answers 400 with the parser's stable code and a message naming the field.
"""

from __future__ import annotations

from instance.amounts import AmountError
from instance.amounts import parse_amount as parse_minor

from .errors import DomainError


def parse_amount(
    text: object, scale: int, *, field: str = "amount", allow_zero: bool = False
) -> int:
    """A positive decimal string ('12.50') as minor units; DomainError otherwise.

    Zero is refused unless `allow_zero` (a limit may be zero, a payment may not).
    """
    try:
        return parse_minor(text, scale, allow_zero=allow_zero)
    except AmountError as exc:
        raise DomainError(
            exc.code,
            f"{field} {exc.problem}",
            400,
            {"field": field, "scale": scale, "allow_zero": allow_zero},
        ) from None
