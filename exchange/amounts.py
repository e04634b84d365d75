"""Amounts as people and clients write them: decimal strings, read exactly into minor units.

An amount is an integer of 10^-scale units. It is never a float: "0.1" is parsed digit by
digit, and a JSON number is refused rather than trusted to be exact.
"""

from __future__ import annotations

import re

from .errors import DomainError

_DECIMAL_RE = re.compile(r"^([+-])?(\d{1,18})(?:\.(\d+))?$")

#: far beyond any real payment, far below the 64-bit totals of an account
MAX_AMOUNT = 10**15


def parse_amount(text: object, scale: int, *, field: str = "amount", allow_zero: bool = False) -> int:
    """A positive decimal string ('12.50') as minor units; DomainError otherwise.

    Zero is refused unless `allow_zero` (a limit may be zero, a payment may not).
    """
    if not isinstance(text, str):
        raise DomainError("invalid_amount", f"{field} must be a decimal string like \"12.50\"", 400)
    match = _DECIMAL_RE.match(text.strip())
    if match is None:
        raise DomainError("invalid_amount", f"{field} must be a decimal number like \"12.50\" (got {text!r})", 400)
    sign, whole, fraction = match.group(1), match.group(2), match.group(3) or ""
    if len(fraction) > scale:
        raise DomainError(
            "too_many_decimals", f"{field} has more than {scale} decimal places (got {text!r})", 400
        )
    minor = int(whole) * 10**scale + int(fraction.ljust(scale, "0") or "0")
    if sign == "-" or (minor == 0 and not allow_zero):
        raise DomainError("amount_not_positive", f"{field} must be more than zero (got {text!r})", 400)
    if minor > MAX_AMOUNT:
        raise DomainError("amount_too_large", f"{field} is too large (got {text!r})", 400)
    return minor


def format_amount(minor: int, scale: int) -> str:
    """Minor units as a decimal string: 1250 at scale 2 -> '12.50'."""
    sign = "-" if minor < 0 else ""
    minor = abs(minor)
    if scale == 0:
        return f"{sign}{minor}"
    return f"{sign}{minor // 10**scale}.{minor % 10**scale:0{scale}d}"
