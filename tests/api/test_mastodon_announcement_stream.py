"""Announcements on the user stream, against a live city over loopback: publishing one (as
the command line does, in another process's transaction) sends `announcement` with the
entity, taking it down `announcement.delete` with its id; a draft sends nothing; one
scheduled is sent once, when the city's worker publishes it; a reaction chosen or taken
back by anyone is `announcement.reaction` with its count."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from api.auth import issue_token
from exchange import announcements
from models import utcnow

from ..e2e.helpers import add_member
from ..live import LiveCity
from .test_mastodon_streaming import _raw_events

pytestmark = pytest.mark.slow

THUMBS = "\N{THUMBS UP SIGN}"


async def test_publishing_and_taking_down_reach_the_user_stream(
    start_city: Callable[..., Any],
) -> None:
    city: LiveCity = await start_city(run_worker=False)
    add_member(city, "alice")
    token = city.db.write_sync(lambda s: issue_token(s, "alice"))
    headers = {"Authorization": f"Bearer {token}"}
    number = city.db.write_sync(lambda s: announcements.add(s, "Fête du pain", None).id)
    async with httpx.AsyncClient(base_url=city.url, timeout=20) as http:
        async with http.stream("GET", "/api/v1/streaming/user", headers=headers) as stream:
            lines = stream.aiter_lines()
            city.db.write_sync(lambda s: announcements.add(s, "Only a draft", None))
            await asyncio.sleep(1.5)  # a poll passes: the draft sent nothing
            city.db.write_sync(
                lambda s: announcements.publish(s, announcements.find(s, number), None)
            )
            (published,) = await asyncio.wait_for(_raw_events(lines, 1), 20)
            city.db.write_sync(
                lambda s: announcements.unpublish(s, announcements.find(s, number), None)
            )
            (taken_down,) = await asyncio.wait_for(_raw_events(lines, 1), 20)
    event, payload = published
    assert event == "announcement"
    shown = json.loads(payload)
    assert shown["id"] == str(number) and shown["content"] == "<p>Fête du pain</p>"
    assert shown["read"] is False and shown["reactions"] == []
    assert taken_down == ("announcement.delete", str(number))


async def _no_more_events(lines: Any, seconds: float) -> None:
    """Nothing but heartbeats for `seconds` (a few polls)."""
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(_raw_events(lines, 1), seconds)


async def test_a_scheduled_announcement_reaches_the_stream_once_when_published(
    start_city: Callable[..., Any],
) -> None:
    """The city's own worker publishes it at its time; the stream sends `announcement` then,
    and only once."""
    city: LiveCity = await start_city(run_worker=True)
    add_member(city, "alice")
    token = city.db.write_sync(lambda s: issue_token(s, "alice"))
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=city.url, timeout=20) as http:
        async with http.stream("GET", "/api/v1/streaming/user", headers=headers) as stream:
            lines = stream.aiter_lines()
            when = utcnow() + timedelta(seconds=2)
            number = city.db.write_sync(
                lambda s: announcements.add(s, "Marché de nuit", None, scheduled_at=when).id
            )
            ((event, payload),) = await asyncio.wait_for(_raw_events(lines, 1), 30)
            assert utcnow() >= when
            await _no_more_events(lines, 3)
    assert event == "announcement"
    assert json.loads(payload)["id"] == str(number)


async def test_reactions_reach_every_members_user_stream(
    start_city: Callable[..., Any],
) -> None:
    """bob's and alice's reactions, and bob's taken back, each reach alice's stream as
    `announcement.reaction` with the emoji's count at that moment."""
    city: LiveCity = await start_city(run_worker=False)
    for name in ("alice", "bob"):
        add_member(city, name)
    tokens = {n: city.db.write_sync(lambda s, n=n: issue_token(s, n)) for n in ("alice", "bob")}

    def published(session: Any) -> int:
        row = announcements.add(session, "Fête du pain", None)
        announcements.publish(session, row, None)
        return row.id

    number = city.db.write_sync(published)
    path = f"/api/v1/announcements/{number}/reactions/{quote(THUMBS)}"
    headers = {"Authorization": f"Bearer {tokens['alice']}"}
    async with httpx.AsyncClient(base_url=city.url, timeout=20) as http:
        async with http.stream("GET", "/api/v1/streaming/user", headers=headers) as stream:
            lines = stream.aiter_lines()
            seen = []
            for who, method in (("bob", "PUT"), ("alice", "PUT"), ("bob", "DELETE")):
                auth = {"Authorization": f"Bearer {tokens[who]}"}
                answer = await http.request(method, path, headers=auth)
                assert answer.status_code == 200, answer.text
                seen.extend(await asyncio.wait_for(_raw_events(lines, 1), 20))
    assert [e for e, _ in seen] == ["announcement.reaction"] * 3
    assert [json.loads(p) for _, p in seen] == [
        {"name": THUMBS, "count": count, "announcement_id": str(number)} for count in (1, 2, 1)
    ]
