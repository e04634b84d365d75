"""The `hashtag` and `hashtag:local` streams against a live city over loopback: new public
statuses carrying the tag, and nothing else."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import websockets

from api.auth import issue_token

from ..e2e.helpers import add_member
from ..live import LiveCity
from .test_mastodon_streaming import _events, _post_elsewhere

pytestmark = pytest.mark.slow


async def test_the_hashtag_stream_over_a_websocket(start_city: Callable[..., Any]) -> None:
    city: LiveCity = await start_city(run_worker=False)
    add_member(city, "alice")
    ws_url = city.url.replace("http", "ws", 1) + "/api/v1/streaming"
    async with websockets.connect(ws_url) as ws:
        await ws.send(json.dumps({"type": "subscribe", "stream": "hashtag", "tag": "Bread"}))
        await ws.send(json.dumps({"type": "subscribe", "stream": "hashtag", "tag": "12"}))
        refused = json.loads(await asyncio.wait_for(ws.recv(), 20))
        _post_elsewhere(city, "alice", "no tag here")
        _post_elsewhere(city, "alice", "#bread for friends", visibility="followers")
        _post_elsewhere(city, "alice", "Fresh #BREAD")
        got = json.loads(await asyncio.wait_for(ws.recv(), 20))
    assert refused == {"error": "Unknown stream type", "status": 400}
    assert (got["stream"], got["event"]) == (["hashtag", "bread"], "update")
    assert "Fresh" in json.loads(got["payload"])["content"]


async def test_the_local_hashtag_stream_over_sse(start_city: Callable[..., Any]) -> None:
    city: LiveCity = await start_city(run_worker=False)
    add_member(city, "alice")
    token = city.db.write_sync(lambda s: issue_token(s, "alice"))
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=city.url, timeout=20) as http:
        assert (await http.get("/api/v1/streaming/hashtag/local")).status_code == 400
        path = "/api/v1/streaming/hashtag/local?tag=jam"
        async with http.stream("GET", path, headers=headers) as stream:
            lines = stream.aiter_lines()
            _post_elsewhere(city, "alice", "#bread only")
            _post_elsewhere(city, "alice", "#jam and #bread")
            ((event, status),) = await asyncio.wait_for(_events(lines, 1), 20)
    assert event == "update" and "#<span>jam</span>" in status["content"]
