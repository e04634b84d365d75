"""Configuration: every wrong value stops start-up with one line naming the key, exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from instance.settings import load_settings
from server.cli import main

from ..conftest import _set_key, write_config


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(
        tmp_path / "city", domain="127.0.0.1:8001", database_url="sqlite:///data/c.sqlite3"
    )


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().err


def test_init_writes_a_config_that_loads(config: Path) -> None:
    settings = load_settings(config)
    assert settings.domain == "127.0.0.1:8001"
    assert settings.base_url == "http://127.0.0.1:8001"
    assert settings.currency.code == "GRN"
    assert settings.data_dir.is_dir()
    assert settings.database_url == f"sqlite:///{config.parent.resolve()}/data/c.sqlite3"


def test_init_refuses_to_overwrite(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = config.read_text()
    code, err = run_cli(
        capsys, "init", "--config", str(config), "--domain", "a.example", "--name", "A"
    )
    assert code == 2
    assert "already exists" in err
    assert config.read_text() == before


def test_init_refuses_loopback_http_on_a_public_domain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "instance.toml"
    code, err = run_cli(
        capsys,
        "init",
        "--config",
        str(config),
        "--domain",
        "city.example",
        "--name",
        "C",
        "--allow-loopback-http",
    )
    assert code == 2
    assert "--allow-loopback-http" in err
    assert not config.exists()


def test_missing_config_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_cli(capsys, "db", "upgrade", "--config", str(tmp_path / "nope.toml"))
    assert code == 2
    assert "nope.toml does not exist" in err


BAD_VALUES = [
    ("instance", "domain", "not a domain", "instance.domain"),
    ("instance", "domain", "city.example:99999", "instance.domain"),
    ("instance", "name", "", "instance.name: must not be empty"),
    ("instance", "language", "French", "instance.language"),
    ("instance", "time_zone", "Mars/Olympus", "instance.time_zone"),
    ("instance", "secret_key", "short", "instance.secret_key"),
    ("database", "url", "mysql://x/y", "database.url"),
    ("database", "url", "sqlite:///:memory:", "database.url"),
    ("currency", "code", "grn", "currency.code"),
    ("currency", "scale", 12, "currency.scale: must be between 0 and 8"),
    ("currency", "scale", "2", "currency.scale: must be an integer"),
    ("currency", "unit_hours", "1/0", "currency.unit_hours"),
    ("currency", "unit_hours", "0.5", "currency.unit_hours"),
    ("currency", "credit_limit", "-5", "currency.credit_limit"),
    ("currency", "credit_limit", "1.234", "currency.credit_limit: has more than 2 decimal places"),
    ("currency", "balance_limit", "lots", "currency.balance_limit"),
    (
        "moderation",
        "registration",
        "everyone",
        "moderation.registration: must be one of open, approval, invite",
    ),
    ("moderation", "listing_review", "never", "moderation.listing_review"),
    ("federation", "mode", "closed", "federation.mode: must be one of open, blocklist, allowlist"),
    (
        "federation",
        "allow_loopback_http",
        "yes",
        "federation.allow_loopback_http: must be true or false",
    ),
    ("federation", "signature_window_seconds", 5, "federation.signature_window_seconds"),
    ("workers", "concurrency", 0, "workers.concurrency"),
    (
        "api",
        "requests_per_5_minutes",
        -1,
        "api.requests_per_5_minutes: must be between 0 and 1000000",
    ),
]


@pytest.mark.parametrize(("section", "key", "value", "message"), BAD_VALUES)
def test_a_bad_value_names_its_key_and_exits_2(
    config: Path,
    capsys: pytest.CaptureFixture[str],
    section: str,
    key: str,
    value: object,
    message: str,
) -> None:
    config.write_text(_set_key(config.read_text(), section, key, value))
    code, err = run_cli(capsys, "db", "upgrade", "--config", str(config))
    assert code == 2
    assert err.count("\n") == 1, "one line"
    assert message in err


def test_a_missing_key_is_named(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config.write_text(
        "\n".join(line for line in config.read_text().splitlines() if not line.startswith("code ="))
    )
    code, err = run_cli(capsys, "db", "upgrade", "--config", str(config))
    assert code == 2
    assert "currency.code: is missing" in err


def test_loopback_switch_is_refused_on_a_public_domain(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config.write_text(_set_key(config.read_text(), "instance", "domain", "city.example"))
    code, err = run_cli(capsys, "db", "upgrade", "--config", str(config))
    assert code == 2
    assert "federation.allow_loopback_http" in err and "loopback" in err


def test_invalid_toml_is_reported(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config.write_text("[instance\n")
    code, err = run_cli(capsys, "db", "upgrade", "--config", str(config))
    assert code == 2
    assert "not valid TOML" in err
