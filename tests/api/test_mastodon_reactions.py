"""Favourites and reblogs from an app federate: a member of city B favourites and boosts a
note of city A's member (found by URL through search); A counts them and tells its author;
taking them back sends Undo, and A counts them no more. In process: the activities written."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from models import OutboundActivity

from ..e2e.helpers import add_member, eventually
from ..live import LiveCity
from .mastodon_city import Masto
from .test_mastodon_py_client import OPEN_MARKET, _logged_in


def _sent(masto: Masto) -> list[dict[str, Any]]:
    rows = masto.db.read_sync(
        lambda s: list(s.scalars(select(OutboundActivity.body).order_by(OutboundActivity.id)))
    )
    return [json.loads(b) for b in rows]


async def test_a_favourite_of_a_remote_note_is_a_like_to_its_author(masto: Masto) -> None:
    carol = masto.remote("carol")
    uri = masto.remote_note(carol, "A nice note")
    (status,) = (await masto.get("/api/v1/timelines/public", "alice")).json()
    assert status["uri"] == uri
    await masto.post(f"/api/v1/statuses/{status['id']}/favourite", "alice")
    await masto.post(f"/api/v1/statuses/{status['id']}/favourite", "alice")  # once only
    await masto.post(f"/api/v1/statuses/{status['id']}/unfavourite", "alice")
    like, undo = [a for a in _sent(masto) if a["type"] in ("Like", "Undo")]
    assert like["object"] == uri
    assert like["to"] == ["https://town.example/users/carol"]
    assert undo["object"]["id"] == like["id"]


async def test_a_reblog_is_an_announce_to_followers_and_the_author(masto: Masto) -> None:
    carol = masto.remote("carol")
    uri = masto.remote_note(carol, "Worth sharing")
    (status,) = (await masto.get("/api/v1/timelines/public", "alice")).json()
    answer = await masto.post(f"/api/v1/statuses/{status['id']}/reblog", "alice")
    assert answer.json()["reblog"]["id"] == status["id"]
    (announce,) = [a for a in _sent(masto) if a["type"] == "Announce"]
    assert announce["object"] == uri
    assert announce["to"] == ["https://www.w3.org/ns/activitystreams#Public"]
    assert "https://town.example/users/carol" in announce["cc"]


async def test_a_favourite_of_a_local_status_sends_nothing(masto: Masto) -> None:
    mine = await masto.status("bob", "hello")
    before = len(_sent(masto))
    await masto.post(f"/api/v1/statuses/{mine['id']}/favourite", "alice")
    assert len(_sent(masto)) == before


@pytest.mark.slow
async def test_likes_and_boosts_reach_the_authors_city_and_are_undone(
    start_city: Callable[..., Any],
) -> None:
    a: LiveCity = await start_city(**OPEN_MARKET)
    b: LiveCity = await start_city(**OPEN_MARKET)
    add_member(a, "alice")
    add_member(b, "bob")
    alice = await asyncio.to_thread(_logged_in, a, "alice")
    bob = await asyncio.to_thread(_logged_in, b, "bob")
    note = await asyncio.to_thread(alice.status_post, "Fresh bread today")
    (seen,) = (await asyncio.to_thread(bob.search_v2, note["uri"], resolve=True))["statuses"]
    await asyncio.to_thread(bob.status_favourite, seen["id"])
    await asyncio.to_thread(bob.status_reblog, seen["id"])

    async def counted(likes: int, boosts: int) -> bool:
        shown = await asyncio.to_thread(alice.status, note["id"])
        return bool(shown["favourites_count"] == likes and shown["reblogs_count"] == boosts)

    await eventually(lambda: counted(1, 1))
    kinds = sorted(n["type"] for n in await asyncio.to_thread(alice.notifications))
    assert kinds == ["favourite", "reblog"]
    await asyncio.to_thread(bob.status_unfavourite, seen["id"])
    await asyncio.to_thread(bob.status_unreblog, seen["id"])
    await eventually(lambda: counted(0, 0))
