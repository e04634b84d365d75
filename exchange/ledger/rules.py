"""What the ledger needs to know of the city's currency, and the fee it charges.

The domain does not import the instance's settings (imports go downwards only): any object
with these attributes will do, and `instance.settings.Currency` is one.
"""

from __future__ import annotations

from typing import Protocol

from instance.amounts import format_amount


class CurrencyRules(Protocol):
    #: the currency's code, as amounts name it on the wire
    @property
    def code(self) -> str: ...

    @property
    def scale(self) -> int: ...

    #: default credit limit of a new member account (its floor is minus this)
    @property
    def credit_limit(self) -> int: ...

    #: default ceiling of a new member account, or None
    @property
    def balance_limit(self) -> int | None: ...

    @property
    def fee_bps(self) -> int: ...

    @property
    def fee_fixed(self) -> int: ...

    @property
    def demurrage_bps(self) -> int: ...

    @property
    def demurrage_period(self) -> str: ...


def fee_for(currency: CurrencyRules, amount: int) -> int:
    """The fee on a member payment of `amount`: fixed part plus the percentage, rounded up.

    Rounding up charges the payer at most one minor unit more, so that the fees account never
    gives away a fraction of a unit (shared/research/currency.md, 9.1).
    """
    percentage = -(-amount * currency.fee_bps // 10_000)
    return currency.fee_fixed + percentage


def fmt(currency: CurrencyRules, minor: int) -> str:
    return format_amount(minor, currency.scale)
