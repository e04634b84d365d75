"""`comptoir users` on staff accounts: refused without --force, and never the last active admin."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.cli import main

from ..cli import Cli
from ..conftest import write_config

PASSWORD = "a long password\n"


@pytest.fixture
def cli(tmp_path: Path, migrated_db_url: str) -> Cli:
    path = write_config(tmp_path / "city", domain="127.0.0.1:8002", database_url=migrated_db_url)
    assert main(["db", "upgrade", "--config", str(path)]) == 0
    run = Cli(path)
    run("users", "create", "mayor", "--role", "admin", stdin=PASSWORD)
    run("users", "create", "mod", "--role", "moderator", stdin=PASSWORD)
    run("users", "create", "alice", stdin=PASSWORD)
    return run


def status_of(cli: Cli, name: str) -> str:
    line = next(
        row for row in cli("users", "list").stdout.splitlines() if row.startswith(name + " ")
    )
    return line.split()[2]


def role_of(cli: Cli, name: str) -> str:
    line = next(
        row for row in cli("users", "list").stdout.splitlines() if row.startswith(name + " ")
    )
    return line.split()[1]


def test_suspending_an_admin_without_force_is_refused(cli: Cli) -> None:
    done = cli("users", "suspend", "mayor")
    assert done.returncode == 1
    assert "--force" in done.stderr
    assert status_of(cli, "mayor") == "active"


def test_suspending_a_moderator_without_force_is_refused(cli: Cli) -> None:
    done = cli("users", "suspend", "mod")
    assert done.returncode == 1
    assert status_of(cli, "mod") == "active"


def test_suspending_a_member_needs_no_force(cli: Cli) -> None:
    assert cli("users", "suspend", "alice").returncode == 0
    assert status_of(cli, "alice") == "suspended"


def test_force_suspends_a_moderator(cli: Cli) -> None:
    assert cli("users", "suspend", "mod", "--force").returncode == 0
    assert status_of(cli, "mod") == "suspended"


def test_force_never_suspends_the_last_active_admin(cli: Cli) -> None:
    done = cli("users", "suspend", "mayor", "--force")
    assert done.returncode == 1
    assert "last active admin" in done.stderr
    assert status_of(cli, "mayor") == "active"


def test_force_suspends_an_admin_when_another_stays(cli: Cli) -> None:
    assert cli("users", "role", "mod", "admin", "--force").returncode == 0
    assert cli("users", "suspend", "mayor", "--force").returncode == 0
    assert status_of(cli, "mayor") == "suspended"


def test_force_never_demotes_the_last_active_admin(cli: Cli) -> None:
    done = cli("users", "role", "mayor", "member", "--force")
    assert done.returncode == 1
    assert "last active admin" in done.stderr
    assert role_of(cli, "mayor") == "admin"


def test_giving_a_staff_role_needs_force(cli: Cli) -> None:
    refused = cli("users", "role", "alice", "moderator")
    assert refused.returncode == 1
    assert role_of(cli, "alice") == "member"
    assert cli("users", "role", "alice", "moderator", "--force").returncode == 0
    assert role_of(cli, "alice") == "moderator"
