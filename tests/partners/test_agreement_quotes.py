"""The quote an agreement fixes: rounded against the payer, whoever pays."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from exchange.agreement_quotes import ClaimedQuote, check, fix
from exchange.errors import DomainError
from models import Purpose

RULE = SimpleNamespace(
    id=7,
    uri="https://a.example/partners/rules/r1",
    hash="ab" * 32,
    proposer_currency="GRN",
    proposer_scale=2,
    responder_currency="LEF",
    responder_scale=2,
    num=3,
    den=2,
)


def agreement(amount: int) -> Any:
    return SimpleNamespace(
        amount=amount,
        currency="GRN",
        rule_id=None,
        rule_uri=None,
        rule_hash=None,
        buyer_amount=None,
        buyer_currency=None,
    )


def test_for_an_offer_listing_the_buyer_pays_the_amount_rounded_up() -> None:
    row = agreement(101)  # 1.01 GRN = 1.515 LEF
    fix(row, SimpleNamespace(currency="GRN", purpose=Purpose.offer), RULE)  # type: ignore[arg-type]
    assert (row.buyer_amount, row.buyer_currency) == (152, "LEF")
    assert (row.rule_id, row.rule_uri, row.rule_hash) == (RULE.id, RULE.uri, RULE.hash)


def test_for_a_want_the_payee_gets_the_amount_rounded_down() -> None:
    row = agreement(101)
    fix(row, SimpleNamespace(currency="GRN", purpose=Purpose.request), RULE)  # type: ignore[arg-type]
    assert row.buyer_amount == 151


def test_without_a_rule_nothing_is_fixed() -> None:
    row = agreement(101)
    fix(row, SimpleNamespace(currency="GRN", purpose=Purpose.offer), None)  # type: ignore[arg-type]
    assert row.buyer_amount is None and row.rule_id is None


def fixed() -> Any:
    row = agreement(101)
    fix(row, SimpleNamespace(currency="GRN", purpose=Purpose.offer), RULE)  # type: ignore[arg-type]
    return row


def test_the_same_quote_passes_the_check() -> None:
    check(fixed(), ClaimedQuote(RULE.uri, RULE.hash, 101, "GRN", 152, "LEF"))


@pytest.mark.parametrize(
    "claimed",
    [
        None,
        ClaimedQuote(RULE.uri, RULE.hash, 101, "GRN", 151, "LEF"),
        ClaimedQuote(RULE.uri, "cd" * 32, 101, "GRN", 152, "LEF"),
        ClaimedQuote("https://a.example/partners/rules/r0", RULE.hash, 101, "GRN", 152, "LEF"),
    ],
)
def test_another_quote_is_refused(claimed: ClaimedQuote | None) -> None:
    with pytest.raises(DomainError) as refusal:
        check(fixed(), claimed)
    assert refusal.value.code == "quote_mismatch"
