"""The [listings] section of instance.toml: defaults from `comptoir init`, bad values named."""

from __future__ import annotations

from pathlib import Path

import pytest

from instance.settings import ConfigError, load_settings

from ..conftest import _set_key, write_config


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(
        tmp_path / "city", domain="127.0.0.1:8003", database_url="sqlite:///data/c.sqlite3"
    )


def test_init_writes_the_listing_defaults(config: Path) -> None:
    rules = load_settings(config).listings
    assert (rules.expiry_days, rules.max_expiry_days, rules.max_photo_bytes) == (30, 365, 5_000_000)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("expiry_days", 0, "listings.expiry_days: must be between 1 and 3650 (got 0)"),
        ("max_photo_bytes", "big", "listings.max_photo_bytes: must be an integer (got 'big')"),
        (
            "expiry_days",
            400,
            "listings.expiry_days: must not be more than listings.max_expiry_days",
        ),
    ],
)
def test_a_bad_listing_value_names_its_key(
    config: Path, key: str, value: object, message: str
) -> None:
    config.write_text(_set_key(config.read_text(), "listings", key, value))
    with pytest.raises(ConfigError) as refused:
        load_settings(config)
    assert str(refused.value) == message
