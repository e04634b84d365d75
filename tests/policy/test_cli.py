"""`comptoir domains`, `rules`, `reports` and `moderation log` as an admin runs them,
stopped and running."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from exchange import reports
from instance.database import Database

from ..cli import comptoir
from ..conftest import write_config
from ..e2e.helpers import add_member
from ..e2e.test_policy_allowlist import Signer
from .conftest import credentials

CSV = """#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate
spam.example,suspend,false,false,Spam,false
loud.example,silence,true,false,"Loud, rude",true
"""


@pytest.fixture
def config(tmp_path: Path, db: Database) -> Path:
    return write_config(tmp_path / "city", domain="127.0.0.1:8002", database_url=db.url)


@pytest.fixture
def fresh_config(tmp_path: Path, new_db_url: Any) -> Path:
    path = write_config(tmp_path / "fresh", domain="127.0.0.1:8003", database_url=new_db_url())
    assert comptoir(path, "db", "upgrade").returncode == 0
    return path


def test_the_mode_is_shown_and_changed(config: Path) -> None:
    assert comptoir(config, "domains", "mode").stdout == "blocklist\n"
    changed = comptoir(config, "domains", "mode", "allowlist", "--reason", "regional pilot")
    assert changed.returncode == 0 and changed.stdout == "federation mode: allowlist\n"
    assert comptoir(config, "domains", "mode").stdout == "allowlist\n"


def test_an_unknown_mode_exits_2(config: Path) -> None:
    done = comptoir(config, "domains", "mode", "closed")
    assert done.returncode == 2 and "invalid choice" in done.stderr


def test_allow_block_and_list(config: Path) -> None:
    assert (
        comptoir(config, "domains", "allow", "B.example", "--public-comment", "neighbour").stdout
        == "allowed b.example\n"
    )
    blocked = comptoir(
        config, "domains", "block", "spam.example", "--severity", "silence", "--reject-media"
    )
    assert blocked.returncode == 0 and blocked.stdout == "blocked spam.example (silence)\n"
    listing = comptoir(config, "domains", "list").stdout.splitlines()
    assert listing[0].split()[:3] == ["allow", "b.example", "allow"]
    assert listing[1].split()[:4] == ["block", "spam.example", "silence", "reject_media"]


@pytest.mark.parametrize(
    ("domain", "said"),
    [
        ("*.spam.example", "covers all its subdomains"),
        ("https://spam.example/", "not a domain"),
        ("spam", "top-level domain"),
    ],
)
def test_a_malformed_domain_exits_2_with_the_reason(config: Path, domain: str, said: str) -> None:
    done = comptoir(config, "domains", "block", domain)
    assert done.returncode == 2 and said in done.stderr
    assert comptoir(config, "domains", "list").stdout == ""


def test_a_block_under_a_stricter_block_exits_1(config: Path) -> None:
    comptoir(config, "domains", "block", "spam.example")
    done = comptoir(config, "domains", "block", "x.spam.example", "--severity", "silence")
    assert done.returncode == 1 and "already imposed stricter limits on spam.example" in done.stderr


def test_unblocking_an_unknown_domain_exits_1(config: Path) -> None:
    done = comptoir(config, "domains", "unblock", "never.example")
    assert done.returncode == 1 and "not found" in done.stderr


def test_an_import_with_broken_rows_exits_2_naming_the_lines_and_imports_nothing(
    config: Path, tmp_path: Path
) -> None:
    path = tmp_path / "blocks.csv"
    path.write_text(CSV + "bad domain,suspend\nok.example,ban\n")
    done = comptoir(config, "domains", "import", str(path))
    assert done.returncode == 2
    assert "line 4" in done.stderr and "line 5" in done.stderr
    assert comptoir(config, "domains", "list").stdout == ""


def test_an_import_dry_run_shows_the_changes_and_writes_nothing(config: Path) -> None:
    done = comptoir(config, "domains", "import", "-", "--dry-run", stdin=CSV)
    assert done.returncode == 0
    assert done.stdout.splitlines() == [
        "add block spam.example",
        "add block loud.example",
        "dry run, nothing written: would add 2, would update 0, 0 unchanged",
    ]
    assert comptoir(config, "domains", "list").stdout == ""


def test_export_then_import_into_a_fresh_city_gives_the_same_list(
    config: Path, fresh_config: Path, tmp_path: Path
) -> None:
    assert comptoir(config, "domains", "import", "-", stdin=CSV).returncode == 0
    exported = comptoir(config, "domains", "export", "--format", "csv").stdout
    assert sorted(exported.splitlines()) == sorted(CSV.splitlines())
    (tmp_path / "export.csv").write_text(exported)
    assert comptoir(fresh_config, "domains", "import", str(tmp_path / "export.csv")).returncode == 0
    assert (
        comptoir(fresh_config, "domains", "list").stdout
        == comptoir(config, "domains", "list").stdout
    )
    assert (
        comptoir(fresh_config, "domains", "export", "--format", "json").stdout
        == comptoir(config, "domains", "export", "--format", "json").stdout
    )


def test_an_unreachable_list_url_exits_1_and_stores_nothing(config: Path) -> None:
    done = comptoir(
        config, "domains", "subscribe", "http://127.0.0.1:9/api/comptoir/v1/federation/allowlist"
    )
    assert done.returncode == 1 and "could not fetch the list" in done.stderr
    assert comptoir(config, "domains", "subscriptions").stdout == ""


def test_rules_are_added_listed_and_removed(config: Path) -> None:
    comptoir(config, "rules", "add", "Be kind", "--hint", "No insults")
    comptoir(config, "rules", "add", "No resale")
    assert comptoir(config, "rules", "list").stdout == "1. Be kind  (No insults)\n2. No resale\n"
    assert comptoir(config, "rules", "remove", "1").stdout == "1. No resale\n"
    assert comptoir(config, "rules", "remove", "5").returncode == 1


def test_reports_are_listed_shown_acted_on_and_closed(config: Path, db: Database) -> None:
    from exchange import members

    alice = db.write_sync(lambda s: members.add_member(s, "alice", credentials()))
    db.write_sync(lambda s: members.add_member(s, "bob", credentials()))
    report = db.write_sync(
        lambda s: reports.file_report(s, alice, "http://127.0.0.1:8002/users/bob", [], "rude")
    )
    assert report.public_id in comptoir(config, "reports", "list").stdout
    acted = comptoir(
        config, "reports", "act", report.public_id, "suspend_account", "--reason", "threats"
    )
    assert acted.returncode == 0 and acted.stdout == "suspended member @bob\n"
    assert comptoir(config, "reports", "close", report.public_id, "--note", "done").returncode == 0
    shown = comptoir(config, "reports", "show", report.public_id).stdout
    assert "action:" in shown and "suspend_account" in shown and "closed:" in shown
    assert comptoir(config, "reports", "list").stdout == ""
    again = comptoir(config, "reports", "close", report.public_id, "--note", "again")
    assert again.returncode == 1 and "already closed" in again.stderr
    log = comptoir(config, "moderation", "log").stdout.splitlines()
    assert [line.split()[3] for line in log] == ["report.close", "member.suspend", "report.file"]


async def refused_within(a: Any, b: Any, seconds: float, reason: str) -> httpx.Response:
    """Post as B's bob to A until A answers 403 for `reason` (or time runs out): the last answer.

    The running city reads its policy through a short-lived cache, so the answer may lag the CLI."""
    deadline = time.monotonic() + seconds
    while True:
        body, headers = Signer(b, "bob").post(a)
        try:
            answer = await a.http.post("/inbox", content=body, headers=headers)
        except httpx.TransportError:  # a kept-alive connection the server closed while the CLI ran
            if time.monotonic() > deadline:
                raise
            continue
        if (
            answer.status_code == 403 and reason in answer.json()["error"]
        ) or time.monotonic() > deadline:
            return answer
        await asyncio.sleep(0.2)


async def test_a_cli_change_reaches_a_running_city_without_a_restart(start_city: Any) -> None:
    a, b = await start_city(), await start_city()
    add_member(b, "bob")
    body, headers = Signer(b, "bob").post(a)
    assert (await a.http.post("/inbox", content=body, headers=headers)).status_code == 202

    done = await asyncio.to_thread(comptoir, a.settings.path, "domains", "block", b.settings.domain)
    assert done.returncode == 0, done.stderr
    blocked = await refused_within(a, b, 10, "is blocked")
    assert (
        blocked.status_code == 403 and blocked.json()["error"] == f"{b.settings.domain} is blocked"
    )

    assert (
        await asyncio.to_thread(comptoir, a.settings.path, "domains", "unblock", b.settings.domain)
    ).returncode == 0
    assert (
        await asyncio.to_thread(comptoir, a.settings.path, "domains", "mode", "allowlist")
    ).returncode == 0
    refused = await refused_within(a, b, 10, "allow-list")
    assert refused.status_code == 403 and "allow-list" in refused.json()["error"]
