"""`comptoir trends on|off`: the admin's switch for trending hashtags and statuses, kept as
an instance setting and written in the moderation log."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from exchange import instance_settings
from instance.database import Database
from models import ModerationEntry

from ..cli import comptoir
from ..conftest import write_config


@pytest.fixture
def config(tmp_path: Path, db: Database) -> Path:
    return write_config(tmp_path / "city", domain="127.0.0.1:8004", database_url=db.url)


def test_trends_are_shown_until_turned_off(config: Path, db: Database) -> None:
    assert db.read_sync(instance_settings.trends_shown)
    done = comptoir(config, "trends", "off")
    assert (done.returncode, done.stdout) == (0, "trends are not shown\n")
    assert not db.read_sync(instance_settings.trends_shown)
    actions = db.read_sync(lambda s: s.scalars(select(ModerationEntry.action)).all())
    assert "trends.hide" in actions
    assert comptoir(config, "trends", "on").stdout == "trends are shown\n"
    assert db.read_sync(instance_settings.trends_shown)


def test_anything_but_on_or_off_exits_2(config: Path) -> None:
    assert comptoir(config, "trends", "maybe").returncode == 2
