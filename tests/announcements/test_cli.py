"""`comptoir announcements`: staff write, publish, unpublish and remove the city's
announcements from the command line; bad input exits 2, a refused move or an unknown
announcement 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.cli import main

from ..cli import Cli
from ..conftest import write_config


@pytest.fixture
def cli(tmp_path: Path, migrated_db_url: str) -> Cli:
    path = write_config(tmp_path / "city", domain="127.0.0.1:8002", database_url=migrated_db_url)
    assert main(["db", "upgrade", "--config", str(path)]) == 0
    return Cli(path)


def test_an_announcement_is_added_as_a_draft_and_listed(cli: Cli) -> None:
    added = cli("announcements", "add", "The market is closed on Monday.")
    assert added.returncode == 0, added.stderr
    number, state = added.stdout.split()[:2]
    assert state == "draft"
    assert cli("announcements", "list").stdout.split()[:2] == [number, "draft"]


def test_an_announcement_is_published_unpublished_and_published_again(cli: Cli) -> None:
    number = cli("announcements", "add", "Fête du pain").stdout.split()[0]
    assert cli("announcements", "publish", number).stdout.split()[1] == "published"
    assert cli("announcements", "unpublish", number).stdout.split()[1] == "unpublished"
    assert cli("announcements", "publish", number).stdout.split()[1] == "published"


def test_add_with_publish_and_dates_shows_them(cli: Cli) -> None:
    added = cli(
        "announcements",
        "add",
        "Closed",
        "--starts-at",
        "2099-03-02",
        "--ends-at",
        "2099-03-03",
        "--all-day",
        "--publish",
    )
    assert added.returncode == 0, added.stderr
    assert "published" in added.stdout and "2099-03-02 00:00" in added.stdout
    assert "(all day)" in added.stdout


def test_publishing_a_published_announcement_is_refused_with_exit_1(cli: Cli) -> None:
    number = cli("announcements", "add", "Once", "--publish").stdout.split()[0]
    again = cli("announcements", "publish", number)
    assert again.returncode == 1
    assert "a published announcement cannot become published" in again.stderr


def test_a_draft_cannot_be_unpublished(cli: Cli) -> None:
    number = cli("announcements", "add", "Draft").stdout.split()[0]
    assert cli("announcements", "unpublish", number).returncode == 1


def test_an_unknown_announcement_exits_1(cli: Cli) -> None:
    for action in ("publish", "unpublish", "remove"):
        refused = cli("announcements", action, "999")
        assert refused.returncode == 1 and "announcement not found" in refused.stderr


def test_an_id_that_is_not_a_number_exits_2(cli: Cli) -> None:
    refused = cli("announcements", "publish", "first")
    assert refused.returncode == 2 and "not an announcement id" in refused.stderr


def test_an_empty_text_exits_2(cli: Cli) -> None:
    refused = cli("announcements", "add", "   ")
    assert refused.returncode == 2 and "text is required" in refused.stderr
    assert cli("announcements", "list").stdout.strip() == "no announcements"


def test_a_bad_date_or_an_end_before_the_start_exits_2(cli: Cli) -> None:
    bad = cli("announcements", "add", "x", "--starts-at", "next monday")
    assert bad.returncode == 2 and "not an ISO 8601 date" in bad.stderr
    backwards = ["--starts-at", "2099-03-03", "--ends-at", "2099-03-02"]
    refused = cli("announcements", "add", "x", *backwards)
    assert refused.returncode == 2 and "cannot end before it starts" in refused.stderr


def test_a_removed_announcement_is_gone(cli: Cli) -> None:
    number = cli("announcements", "add", "Gone soon", "--publish").stdout.split()[0]
    removed = cli("announcements", "remove", number)
    assert removed.returncode == 0 and f"announcement {number} removed" in removed.stdout
    assert cli("announcements", "list").stdout.strip() == "no announcements"


def test_an_unknown_action_is_bad_usage(cli: Cli) -> None:
    assert cli("announcements", "shout").returncode == 2


def test_add_at_a_time_to_come_schedules_a_draft(cli: Cli) -> None:
    added = cli("announcements", "add", "Fête du pain", "--at", "2099-03-02T10:00")
    assert added.returncode == 0, added.stderr
    assert added.stdout.split()[1] == "draft"
    assert "to be published 2099-03-02 10:00 UTC" in added.stdout
    assert "to be published 2099-03-02 10:00 UTC" in cli("announcements", "list").stdout


def test_add_at_a_past_time_exits_2(cli: Cli) -> None:
    refused = cli("announcements", "add", "Too late", "--at", "2001-01-01T10:00")
    assert refused.returncode == 2 and "publication time is past" in refused.stderr
    assert cli("announcements", "list").stdout.strip() == "no announcements"


def test_add_at_no_date_exits_2(cli: Cli) -> None:
    refused = cli("announcements", "add", "When?", "--at", "tomorrow noon")
    assert refused.returncode == 2 and "not an ISO 8601 date" in refused.stderr
    assert cli("announcements", "list").stdout.strip() == "no announcements"


def test_add_at_with_publish_exits_2(cli: Cli) -> None:
    refused = cli("announcements", "add", "Both", "--at", "2099-03-02T10:00", "--publish")
    assert refused.returncode == 2 and "choose one" in refused.stderr
