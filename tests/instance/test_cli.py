"""The comptoir command as an admin uses it: init, db upgrade, users, serve."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from server.cli import main

from ..cli import COMPTOIR, Cli, comptoir, installed_comptoir
from ..conftest import write_config
from ..live import free_port_socket


@pytest.fixture
def config(tmp_path: Path, migrated_db_url: str) -> Path:
    path = write_config(tmp_path / "city", domain="127.0.0.1:8002", database_url=migrated_db_url)
    assert main(["db", "upgrade", "--config", str(path)]) == 0
    return path


@pytest.fixture
def cli(config: Path) -> Cli:
    return Cli(config)


def test_help_lists_every_command() -> None:
    out = subprocess.run([COMPTOIR, "--help"], capture_output=True, text=True).stdout
    for command in ("init", "serve", "worker", "db", "users"):
        assert command in out


def test_users_create_reads_the_password_from_stdin(cli: Cli) -> None:
    done = cli("users", "create", "alice", "--role", "admin", stdin="a long password\n")
    assert done.returncode == 0, done.stderr
    assert "created admin @alice@127.0.0.1:8002" in done.stdout
    listing = cli("users", "list").stdout
    assert "alice" in listing and "admin" in listing and "active" in listing


def test_passwords_are_stored_as_argon2id_with_64_mib_and_3_passes(
    config: Path, migrated_db_url: str
) -> None:
    from sqlalchemy import select

    from instance.database import Database
    from models import Member

    # its own process: the suite lowers the password cost in this one
    installed_comptoir(config, "users", "create", "alice", stdin="a long password\n")
    database = Database(migrated_db_url, threads=1)
    try:
        stored = database.read_sync(lambda s: s.scalar(select(Member.password_hash)))
    finally:
        database.dispose()
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,")
    assert "a long password" not in stored


def test_users_create_refuses_a_taken_name_with_exit_1(cli: Cli) -> None:
    cli("users", "create", "alice", stdin="a long password\n")
    again = cli("users", "create", "alice", stdin="a long password\n")
    assert again.returncode == 1
    assert "already taken" in again.stderr


def test_users_create_refuses_an_unknown_role_with_exit_2(config: Path) -> None:
    done = comptoir(
        config, "users", "create", "alice", "--role", "mayor", stdin="a long password\n"
    )
    assert done.returncode == 2
    assert "invalid choice" in done.stderr


def test_users_approve_and_suspend(cli: Cli) -> None:
    cli("users", "create", "bob", stdin="a long password\n")
    not_pending = cli("users", "approve", "bob")
    assert not_pending.returncode == 1 and "not pending" in not_pending.stderr
    suspended = cli("users", "suspend", "bob", "--reason", "spam")
    assert suspended.returncode == 0
    assert "suspended" in cli("users", "list", "--status", "suspended").stdout


def test_an_unknown_member_is_reported(cli: Cli) -> None:
    done = cli("users", "suspend", "nobody")
    assert done.returncode == 1
    assert "member 'nobody' not found" in done.stderr


def test_serve_applies_migrations_and_answers_health(tmp_path: Path) -> None:
    sock = free_port_socket()
    port = sock.getsockname()[1]
    sock.close()
    config = write_config(
        tmp_path / "fresh", domain=f"127.0.0.1:{port}", database_url="sqlite:///data/city.sqlite3"
    )
    proc = subprocess.Popen(
        [COMPTOIR, "serve", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        for _ in range(200):
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("serve did not answer")
        assert answer.status_code == 200
        assert answer.json() == {"status": "ok"}
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
    assert f"http://127.0.0.1:{port}/" in output
    assert "Application shutdown complete" in output, "SIGTERM shuts down gracefully"
