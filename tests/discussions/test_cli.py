"""`comptoir discussions`: staff open, list, close and archive spaces from the command line."""

from __future__ import annotations

from pathlib import Path

from server.cli import main

from ..cli import Cli
from ..conftest import write_config


def test_staff_open_close_and_archive_a_space_from_the_command_line(
    tmp_path: Path, migrated_db_url: str
) -> None:
    path = write_config(tmp_path / "city", domain="127.0.0.1:8002", database_url=migrated_db_url)
    assert main(["db", "upgrade", "--config", str(path)]) == 0
    cli = Cli(path)

    opened = cli("discussions", "open", "bikes", "Bike repair", "--audience", "federated")
    assert opened.returncode == 0, opened.stderr
    assert cli("discussions", "list").stdout.split()[:3] == ["bikes", "open", "federated"]

    assert cli("discussions", "close", "bikes").returncode == 0
    assert cli("discussions", "list").stdout.split()[1] == "closed"
    assert cli("discussions", "archive", "bikes").returncode == 0
    assert cli("discussions", "list").stdout == ""

    again = cli("discussions", "reopen", "bikes")
    assert again.returncode == 1 and "archived discussion cannot become open" in again.stderr
    bad = cli("discussions", "open", "No Spaces!", "Bad")
    assert bad.returncode == 2 and "a-z" in bad.stderr


def test_staff_attach_list_and_close_a_poll_from_the_command_line(
    tmp_path: Path, migrated_db_url: str
) -> None:
    path = write_config(tmp_path / "city", domain="127.0.0.1:8002", database_url=migrated_db_url)
    assert main(["db", "upgrade", "--config", str(path)]) == 0
    cli = Cli(path)
    assert cli("discussions", "open", "bikes", "Bike repair").returncode == 0

    poll = ["discussions", "poll", "add", "bikes", "Where?", "--closes-at", "2099-01-01"]
    one = cli(*poll, "--option", "Market hall")
    assert one.returncode == 2 and "2 to 10 options" in one.stderr
    remote = cli(*poll, "--option", "Hall", "--option", "Station", "--remote-votes")
    assert remote.returncode == 2 and "members only" in remote.stderr
    added = cli(*poll, "--option", "Hall", "--option", "Station", "--results", "at_close")
    assert added.returncode == 0, added.stderr
    public_id = added.stdout.split()[1]

    listed = cli("discussions", "poll", "list", "bikes").stdout.splitlines()
    assert listed[0].split()[:2] == [public_id, "open"] and "Hall" in listed[1]
    closed = cli("discussions", "poll", "close", public_id)
    assert closed.returncode == 0 and closed.stdout.split()[1] == "closed"
    again = cli("discussions", "poll", "close", public_id)
    assert again.returncode == 1 and "closed" in again.stderr
