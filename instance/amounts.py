"""Amounts as people, clients and config files write them: decimal strings, read exactly into
minor units, and back.

An amount is an integer of 10^-scale units. It is never a float: "0.1" is parsed digit by
digit, and anything but a string is refused rather than trusted to be exact. The kernel reads
the currency's limits and fees with this parser; the domain reads payments and prices with it
(exchange/amounts.py turns its refusal into a DomainError).
"""

from __future__ import annotations

import re

_DECIMAL_RE = re.compile(r"^([+-])?(\d{1,18})(?:\.(\d+))?$")

#: far beyond any real payment, far below the 64-bit totals of an account
MAX_AMOUNT = 10**15


class AmountError(ValueError):
    """Not an amount: `code` is stable (API error codes), `problem` reads after the field's name."""

    def __init__(self, code: str, problem: str) -> None:
        super().__init__(problem)
        self.code = code
        self.problem = problem


def parse_amount(text: object, scale: int, *, allow_zero: bool = False) -> int:
    """A positive decimal string ('12.50') as minor units (1250 at scale 2); AmountError otherwise.

    Zero is refused unless `allow_zero` (a limit may be zero, a payment may not).
    """
    if not isinstance(text, str):
        raise AmountError("invalid_amount", 'must be a decimal string like "12.50"')
    match = _DECIMAL_RE.match(text.strip())
    if match is None:
        raise AmountError("invalid_amount", f'must be a decimal number like "12.50" (got {text!r})')
    sign, whole, fraction = match.group(1), match.group(2), match.group(3) or ""
    if len(fraction) > scale:
        raise AmountError("too_many_decimals", f"has more than {scale} decimal places (got {text!r})")
    minor = int(whole) * 10**scale + int(fraction.ljust(scale, "0") or "0")
    if sign == "-" or (minor == 0 and not allow_zero):
        least = "zero or more" if allow_zero else "more than zero"
        raise AmountError("amount_not_positive", f"must be {least} (got {text!r})")
    if minor > MAX_AMOUNT:
        raise AmountError("amount_too_large", f"is too large (got {text!r})")
    return minor


def format_amount(minor: int, scale: int) -> str:
    """Minor units as a decimal string: 1250 at scale 2 -> '12.50'."""
    sign = "-" if minor < 0 else ""
    minor = abs(minor)
    if scale == 0:
        return f"{sign}{minor}"
    return f"{sign}{minor // 10**scale}.{minor % 10**scale:0{scale}d}"
