"""What the settlement e2e tests do to real cities: an exchange rule both hold, a cross-city
agreement with its quote, and reading both ledgers.

`agree_rule` has A's admin propose the rule and B's accept it, over the wire (partners' API).
The acceptance fixes the quote on both agreements (partners).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from exchange.ledger import check_ledger
from exchange.ledger.accounts import peer_key
from instance.amounts import format_amount
from models import Account, ExchangeRule, RuleStatus

from ..cli import comptoir
from .helpers import eventually
from .partners import admin_of, partnered


async def agree_rule(
    a: Any,
    b: Any,
    *,
    num: int,
    den: int,
    fee_bps: int = 0,
    min_amount: int = 1,
    max_amount: int = 1_000_000,
    import_cap: int = 1_000_000,
    export_cap: int = 1_000_000,
) -> str:
    """A's admin proposes the rule to B's, B's accepts (over the wire); its uri once active in
    both cities. Amounts in minor units of A's currency (scale 2).
    """
    await partnered(
        a,
        b,
        rate=f"{num}/{den}",
        fee_bps=fee_bps,
        min=format_amount(min_amount, 2),
        max=format_amount(max_amount, 2),
        import_cap=format_amount(import_cap, 2),
        export_cap=format_amount(export_cap, 2),
    )

    def active(session: Any) -> str | None:
        return session.scalar(
            select(ExchangeRule.uri).where(ExchangeRule.status == RuleStatus.active)
        )

    async def in_both() -> str | None:
        on_a, on_b = a.db.read_sync(active), b.db.read_sync(active)
        return on_a if on_a is not None and on_a == on_b else None

    uri: str = await eventually(in_both)
    return uri


async def suspend(city: Any, other: Any) -> None:
    """The city's admin suspends the rule with the other city (it tells the other city)."""
    await admin_of(city).ok("post", f"/partners/{other.settings.domain}/suspend", {})


def balances(city: Any) -> dict[str, tuple[int, int, int]]:
    """Every account: (balance, pending debits, pending credits)."""

    def read(session: Any) -> dict[str, tuple[int, int, int]]:
        return {
            a.key: (a.balance, a.debits_pending, a.credits_pending)
            for a in session.scalars(select(Account))
        }

    result: dict[str, tuple[int, int, int]] = city.db.read_sync(read)
    return result


def peer(city: Any, other: Any) -> str:
    return peer_key(other.city.urls.instance_actor)


def ledger_check(city: Any) -> tuple[int, str]:
    """`comptoir ledger check` on the city's database: exit code and output."""
    ran = comptoir(city.settings.path, "ledger", "check")
    assert city.db.read_sync(lambda s: check_ledger(s).ok) is (ran.returncode == 0)
    return ran.returncode, ran.stdout + ran.stderr
