"""`/api/v1/streaming` against a live city over loopback: Server-Sent Events and a
WebSocket, user and public streams, new statuses and notifications. Statuses written
straight into the database (as another web process or the worker would) reach the stream:
it reads the database, not this process's memory."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import websockets

from api.auth import issue_token
from models import Member
from services import social

from ..e2e.helpers import add_member
from ..live import LiveCity

pytestmark = pytest.mark.slow


def _post_elsewhere(city: LiveCity, name: str, text: str, visibility: str = "public") -> None:
    """A note stored by another process's transaction (no request to this server)."""

    def write(session: Any) -> None:
        member = session.query(Member).filter_by(username=name).one()
        social.post_note(session, city.city, member, text, visibility=visibility)

    city.db.write_sync(write)


async def _events(lines: Any, count: int) -> list[tuple[str, dict[str, Any]]]:
    """The next `count` SSE events (event name, decoded payload)."""
    found: list[tuple[str, dict[str, Any]]] = []
    event = None
    async for line in lines:
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: ") and event is not None:
            found.append((event, json.loads(line.removeprefix("data: "))))
            if len(found) == count:
                return found
    return found


async def test_the_user_stream_sends_new_statuses_and_notifications_over_sse(
    start_city: Callable[..., Any],
) -> None:
    city: LiveCity = await start_city(run_worker=False, moderation={"listing_review": "after"})
    add_member(city, "alice")
    add_member(city, "carl")
    token = city.db.write_sync(lambda s: issue_token(s, "alice"))
    carl = city.db.write_sync(lambda s: issue_token(s, "carl"))
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=city.url, timeout=20) as http:
        refused = await http.get("/api/v1/streaming/user")
        assert refused.status_code == 401
        async with http.stream("GET", "/api/v1/streaming/user", headers=headers) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.aiter_lines()
            _post_elsewhere(city, "alice", "Streaming works", visibility="followers")
            listing = await http.post(
                "/api/comptoir/v1/listings",
                json={"purpose": "offer", "title": "Lamp", "price": "2.00"},
                headers=headers,
            )
            offered = await http.post(
                f"/api/comptoir/v1/listings/{listing.json()['id']}/negotiations",
                json={"quantity": 1},
                headers={"Authorization": f"Bearer {carl}"},
            )
            assert offered.status_code == 201, offered.text
            got = await asyncio.wait_for(_events(lines, 3), 20)
    kinds = [k for k, _ in got]
    assert kinds.count("update") == 2 and kinds.count("notification") == 1
    updates = [p for k, p in got if k == "update"]
    assert "Streaming works" in updates[0]["content"]
    assert updates[0]["visibility"] == "private"
    assert "Lamp" in updates[1]["content"]
    (notification,) = [p for k, p in got if k == "notification"]
    assert notification["type"] == "mention"
    assert notification["account"]["username"] == "carl"


async def test_the_public_stream_over_a_websocket(start_city: Callable[..., Any]) -> None:
    city: LiveCity = await start_city(run_worker=False)
    add_member(city, "alice")
    token = city.db.write_sync(lambda s: issue_token(s, "alice"))
    ws_url = city.url.replace("http", "ws", 1) + "/api/v1/streaming"
    async with websockets.connect(f"{ws_url}?access_token={token}") as ws:
        await ws.send(json.dumps({"type": "subscribe", "stream": "public", "local": True}))
        _post_elsewhere(city, "alice", "Hello from the market")
        _post_elsewhere(city, "alice", "Only for friends", visibility="followers")
        _post_elsewhere(city, "alice", "Second public note")
        first = json.loads(await asyncio.wait_for(ws.recv(), 20))
        second = json.loads(await asyncio.wait_for(ws.recv(), 20))
    assert first["stream"] == ["public:local"]
    assert first["event"] == "update"
    assert "Hello from the market" in json.loads(first["payload"])["content"]
    assert "Second public note" in json.loads(second["payload"])["content"]


async def test_a_websocket_for_the_user_stream_needs_a_token(
    start_city: Callable[..., Any],
) -> None:
    city: LiveCity = await start_city(run_worker=False)
    ws_url = city.url.replace("http", "ws", 1) + "/api/v1/streaming?stream=user"
    with pytest.raises(websockets.exceptions.InvalidStatus):
        async with websockets.connect(ws_url):
            pass
    health = await city.http.get("/api/v1/streaming/health")
    assert health.text == "OK"
