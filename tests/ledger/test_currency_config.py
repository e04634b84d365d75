"""The [currency] keys of fees and demurrage: off by default, checked at start-up,
named when wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from instance.settings import ConfigError, load_settings

from ..conftest import write_config


def settings_with(tmp_path: Path, **currency: object):  # type: ignore[no-untyped-def]
    path = write_config(
        tmp_path,
        domain="127.0.0.1:8002",
        database_url="sqlite:///data/x.sqlite3",
        currency=currency,
    )
    return load_settings(path)


def test_fees_and_demurrage_are_off_by_default(tmp_path: Path) -> None:
    currency = settings_with(tmp_path).currency
    assert (currency.fee_bps, currency.fee_fixed, currency.demurrage_bps) == (0, 0, 0)
    assert currency.demurrage_period == "month"


def test_fee_and_demurrage_keys_are_read(tmp_path: Path) -> None:
    currency = settings_with(
        tmp_path, fee_bps=150, fee_fixed="0.10", demurrage_bps=50, demurrage_period="week"
    ).currency
    assert (
        currency.fee_bps,
        currency.fee_fixed,
        currency.demurrage_bps,
        currency.demurrage_period,
    ) == (150, 10, 50, "week")


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("fee_bps", 10_001, "must be between 0 and 10000"),
        ("fee_fixed", "0.001", "more than 2 decimal places"),
        ("demurrage_bps", -1, "must be between 0 and 10000"),
        ("demurrage_period", "year", "must be one of day, week, month"),
    ],
)
def test_a_wrong_value_is_refused_naming_its_key(
    tmp_path: Path, key: str, value: object, problem: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        settings_with(tmp_path, **{key: value})
    assert refused.value.key == f"currency.{key}"
    assert problem in refused.value.problem
