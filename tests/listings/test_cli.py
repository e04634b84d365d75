"""`comptoir categories`, as an admin types them."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.cli import main

from ..cli import Cli
from ..conftest import write_config


@pytest.fixture
def cli(tmp_path: Path, migrated_db_url: str) -> Cli:
    """The command line of a migrated city, run in this process."""
    config = write_config(tmp_path / "city", domain="127.0.0.1:8002", database_url=migrated_db_url)
    assert main(["db", "upgrade", "--config", str(config)]) == 0
    return Cli(config)


def test_categories_are_added_listed_renamed_and_retired(cli: Cli) -> None:
    assert cli("categories", "add", "velo", "Bikes").returncode == 0
    assert cli("categories", "rename", "velo", "Bicycles").returncode == 0
    assert "velo" in cli("categories", "list").stdout
    assert cli("categories", "retire", "velo").returncode == 0
    assert "velo" not in cli("categories", "list").stdout
    assert "(retired)" in cli("categories", "list", "--all").stdout


def test_a_slug_that_cannot_be_a_hashtag_is_refused(cli: Cli) -> None:
    done = cli("categories", "add", "bikes & more", "Bikes")
    assert done.returncode == 2 and "hashtag" in done.stderr
