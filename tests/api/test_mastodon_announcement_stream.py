"""Announcements on the user stream, against a live city over loopback: publishing one (as
the command line does, in another process's transaction) sends `announcement` with the
entity, taking it down `announcement.delete` with its id; a draft sends nothing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from api.auth import issue_token
from exchange import announcements

from ..e2e.helpers import add_member
from ..live import LiveCity
from .test_mastodon_streaming import _raw_events

pytestmark = pytest.mark.slow


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
