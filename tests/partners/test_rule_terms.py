"""An exchange rule's canonical form, its hash, and the arithmetic both cities make from it."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from exchange.rule_terms import (
    RuleTerms,
    canonical_bytes,
    convert,
    fee,
    rule_hash,
    side_of,
    within_limits,
)

A, B = "https://a.example/actor", "https://b.example/actor"
TERMS = RuleTerms(
    uri="https://a.example/partners/rules/r1",
    version=1,
    replaces_uri=None,
    proposer=A,
    responder=B,
    proposer_currency="GRN",
    proposer_scale=2,
    responder_currency="LEF",
    responder_scale=2,
    num=3,
    den=2,
    fee_bps=100,
    min_amount=100,
    max_amount=50_000,
    import_cap=100_000,
    export_cap=40_000,
    valid_from=datetime(2026, 12, 3, 10, 0, 0, 123456, tzinfo=UTC),
    valid_until=None,
)


def test_the_canonical_form_is_sorted_compact_json_with_decimal_strings() -> None:
    text = canonical_bytes(TERMS).decode()
    assert text.startswith('{"exportCap":"400.00","feeBps":100,"id":"https://a.example/')
    assert '"validFrom":"2026-12-03T10:00:00Z","validUntil":null,"version":1}' in text
    assert " " not in text


def test_the_hash_is_the_sha256_of_the_canonical_form() -> None:
    assert rule_hash(TERMS) == hashlib.sha256(canonical_bytes(TERMS)).hexdigest()


@pytest.mark.parametrize(
    "change",
    [{"num": 4}, {"den": 3}, {"import_cap": 100_001}, {"responder": "https://c.example/actor"}],
)
def test_any_change_of_terms_changes_the_hash(change: dict[str, object]) -> None:
    assert rule_hash(replace(TERMS, **change)) != rule_hash(TERMS)  # type: ignore[arg-type]


def test_sub_second_times_do_not_change_the_hash() -> None:
    later = replace(TERMS, valid_from=TERMS.valid_from.replace(microsecond=999))
    assert rule_hash(later) == rule_hash(TERMS)


def test_the_payer_rounds_up_and_the_payee_down() -> None:
    # 1 GRN buys 3/2 LEF: 3.01 LEF cost ceil(301 * 2 / 3) = 201 GRN minor units
    assert convert(TERMS, 301, "LEF", round_up=True) == 201
    assert convert(TERMS, 301, "LEF", round_up=False) == 200
    # 1.01 GRN is worth 1.515 LEF: 152 up, 151 down
    assert convert(TERMS, 101, "GRN", round_up=True) == 152
    assert convert(TERMS, 101, "GRN", round_up=False) == 151


def test_different_scales_are_rescaled() -> None:
    whole = replace(TERMS, responder_scale=0, num=1, den=1)
    assert convert(whole, 250, "GRN", round_up=True) == 3  # 2.50 GRN -> 3 LEF, rounded up
    assert convert(whole, 3, "LEF", round_up=True) == 300


def test_a_currency_outside_the_rule_is_refused() -> None:
    with pytest.raises(ValueError):
        convert(TERMS, 100, "XYZ", round_up=True)


def test_the_fee_is_rounded_up_in_basis_points_of_the_payers_amount() -> None:
    assert fee(TERMS, 1000) == 10
    assert fee(TERMS, 1001) == 11
    assert fee(replace(TERMS, fee_bps=0), 1001) == 0


def test_each_side_sees_the_caps_as_its_peer_account_limits() -> None:
    proposer, responder = side_of(TERMS, A), side_of(TERMS, B)
    assert (proposer.min_balance, proposer.max_balance) == (-40_000, 100_000)
    # the responder's view in LEF: it may owe at most the proposer's import cap, converted
    assert (responder.min_balance, responder.max_balance) == (-150_000, 60_000)
    assert (responder.our_currency, responder.their_currency) == ("LEF", "GRN")


def test_a_city_that_is_no_party_has_no_side() -> None:
    with pytest.raises(ValueError):
        side_of(TERMS, "https://c.example/actor")


def test_min_and_max_per_settlement_read_the_proposers_currency() -> None:
    assert within_limits(TERMS, {"GRN": 100, "LEF": 150})
    assert not within_limits(TERMS, {"GRN": 99, "LEF": 149})
    assert not within_limits(TERMS, {"GRN": 50_001, "LEF": 75_002})
