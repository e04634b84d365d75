"""Exchange rules and the converted amount: integers only, rounded up for the payer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from exchange import rates
from exchange.errors import DomainError
from models import RuleStatus, utcnow

PARTNER = "https://city-b.example/actor"


@pytest.mark.parametrize(
    "target, target_scale, payer_scale, num, den, expected",
    [
        (300, 2, 2, 3, 2, 200),  # 3.00 at 1 ours = 1.5 theirs -> 2.00
        (301, 2, 2, 3, 2, 201),  # ceil(200.67)
        (100, 2, 0, 1, 1, 1),  # 1.00 theirs, ours has no decimals -> 1
        (101, 2, 0, 1, 1, 2),  # 1.01 -> rounded up to 2 whole units
        (5, 0, 2, 2, 1, 250),  # 5 theirs at 1 ours = 2 theirs -> 2.50
    ],
)
def test_conversion_rounds_up_in_integers(
    target: int, target_scale: int, payer_scale: int, num: int, den: int, expected: int
) -> None:
    assert rates.convert(target, target_scale, payer_scale, num, den) == expected


def test_a_quote_uses_the_active_rule(db: Any) -> None:
    db.write_sync(lambda s: rates.set_rule(s, "GRN", "BRQ", PARTNER, 3, 2))
    quote = db.read_sync(lambda s: rates.quote(s, 300, "BRQ", 2, "GRN", 2, partner=PARTNER))
    assert (quote.amount, quote.currency, quote.num, quote.den) == (200, "GRN", 3, 2)


def test_no_rule_no_quote(db: Any) -> None:
    assert db.read_sync(lambda s: rates.quote(s, 300, "BRQ", 2, "GRN", 2, partner=PARTNER)) is None


def test_a_new_rule_retires_the_previous_one(db: Any) -> None:
    db.write_sync(lambda s: rates.set_rule(s, "GRN", "BRQ", PARTNER, 3, 2))
    db.write_sync(lambda s: rates.set_rule(s, "GRN", "BRQ", PARTNER, 2, 1))
    rules = db.read_sync(lambda s: rates.list_rules(s, include_retired=True))
    assert [(r.num, r.den, r.status) for r in rules] == [
        (3, 2, RuleStatus.retired),
        (2, 1, RuleStatus.active),
    ]
    quote = db.read_sync(lambda s: rates.quote(s, 300, "BRQ", 2, "GRN", 2, partner=PARTNER))
    assert quote.amount == 150


def test_an_expired_rule_gives_no_quote(db: Any) -> None:
    db.write_sync(
        lambda s: rates.set_rule(
            s, "GRN", "BRQ", PARTNER, 3, 2, valid_until=utcnow() - timedelta(days=1)
        )
    )
    assert db.read_sync(lambda s: rates.quote(s, 300, "BRQ", 2, "GRN", 2, partner=PARTNER)) is None


def test_a_rate_must_be_positive(db: Any) -> None:
    with pytest.raises(DomainError) as refused:
        db.write_sync(lambda s: rates.set_rule(s, "GRN", "BRQ", PARTNER, 0, 1))
    assert refused.value.code == "invalid_rate"
