"""The real client `toot` (its command line, in a subprocess) against live cities on
loopback over plain http: logging in, posting, searching, following a member of another
city, reading timelines. Each command is what a resident types; its JSON output is read."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ..e2e.helpers import add_member, eventually
from ..live import LiveCity
from ..oauth.conftest import PASSWORD

pytestmark = pytest.mark.slow
TOOT = str(Path(sys.executable).parent / "toot")


class Toot:
    """toot with a configuration folder of its own (its login is kept there)."""

    def __init__(self, home: Path) -> None:
        self.env = {"XDG_CONFIG_HOME": str(home), "HOME": str(home), "PATH": "/usr/bin:/bin"}

    def run(self, *args: str, stdin: str = "") -> str:
        done = subprocess.run(
            [TOOT, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, f"toot {args}: {done.stdout}{done.stderr}"
        return done.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--json"))


async def test_toot_logs_in_posts_searches_follows_and_reads_timelines(
    start_city: Callable[..., Any], tmp_path: Path
) -> None:
    a: LiveCity = await start_city()
    b: LiveCity = await start_city(moderation={"listing_review": "after"})
    add_member(a, "alice")
    add_member(b, "bob")
    toot = Toot(tmp_path)
    login = await asyncio.to_thread(
        toot.run, "login_cli", "-i", a.url, "-e", "alice", stdin=PASSWORD + "\n"
    )
    assert "Successfully logged in" in login
    posted = await asyncio.to_thread(toot.json, "post", "Hello from toot #velo")
    assert "Hello from toot" in posted["content"]
    me = await asyncio.to_thread(toot.run, "whoami")
    assert "alice" in me
    found = await asyncio.to_thread(toot.json, "search", "-r", f"bob@{b.settings.domain}")
    assert [x["acct"] for x in found["accounts"]] == [f"bob@{b.settings.domain}"]
    followed = await asyncio.to_thread(toot.json, "follow", f"bob@{b.settings.domain}")
    assert followed["requested"] or followed["following"]
    home = await asyncio.to_thread(toot.json, "timelines", "home", "--no-pager")
    assert any("Hello from toot" in s["content"] for s in home)
    public = await asyncio.to_thread(toot.json, "timelines", "public", "--local", "--no-pager")
    assert any("Hello from toot" in s["content"] for s in public)

    async def following() -> bool:
        shown = await asyncio.to_thread(toot.json, "following", "alice")
        return any(x["acct"] == f"bob@{b.settings.domain}" for x in shown)

    await eventually(following)
