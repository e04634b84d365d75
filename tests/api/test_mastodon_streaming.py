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
from exchange import members, oauth_tokens
from models import Member, Note, Status
from services import social

from ..e2e.helpers import add_member, eventually
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


def _edit_elsewhere(city: LiveCity, name: str, status_id: str, text: str) -> None:
    """The member edits a note (the web page's use case), in another process's transaction."""

    def write(session: Any) -> None:
        member = session.query(Member).filter_by(username=name).one()
        note = session.get(Note, session.get(Status, int(status_id)).note_id)
        social.edit_note(session, city.city, member, note.uri, text)

    city.db.write_sync(write)


async def _note(http: httpx.AsyncClient, headers: dict[str, str], text: str) -> str:
    posted = await http.post("/api/v1/statuses", data={"status": text}, headers=headers)
    assert posted.status_code == 200, posted.text
    found: str = posted.json()["id"]
    return found


async def test_the_user_stream_sends_edits_and_deletions_over_sse(
    start_city: Callable[..., Any],
) -> None:
    city: LiveCity = await start_city(run_worker=False)
    add_member(city, "alice")
    token = city.db.write_sync(lambda s: issue_token(s, "alice"))
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=city.url, timeout=20) as http:
        kept = await _note(http, headers, "First words")
        gone = await _note(http, headers, "Soon gone")
        async with http.stream("GET", "/api/v1/streaming/user", headers=headers) as stream:
            lines = stream.aiter_lines()
            _edit_elsewhere(city, "alice", kept, "Better words")
            deleted = await http.delete(f"/api/v1/statuses/{gone}", headers=headers)
            assert deleted.status_code == 200
            got = await asyncio.wait_for(_raw_events(lines, 2), 20)
    (edit_event, edited), (delete_event, removed) = got
    assert edit_event == "status.update"
    edited_status = json.loads(edited)
    assert edited_status["id"] == kept and "Better words" in edited_status["content"]
    assert edited_status["edited_at"] is not None
    assert (delete_event, removed) == ("delete", gone)


async def _raw_events(lines: Any, count: int) -> list[tuple[str, str]]:
    """The next `count` SSE events (event name, raw data: a `delete` carries a bare id)."""
    found: list[tuple[str, str]] = []
    event = None
    async for line in lines:
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: ") and event is not None:
            found.append((event, line.removeprefix("data: ")))
            if len(found) == count:
                return found
    return found


async def test_a_private_note_removed_is_not_announced_to_the_public_stream(
    start_city: Callable[..., Any],
) -> None:
    city: LiveCity = await start_city(run_worker=False)
    add_member(city, "alice")
    token = city.db.write_sync(lambda s: issue_token(s, "alice"))
    headers = {"Authorization": f"Bearer {token}"}
    ws_url = city.url.replace("http", "ws", 1) + "/api/v1/streaming"
    async with httpx.AsyncClient(base_url=city.url, timeout=20) as http:
        private = await http.post(
            "/api/v1/statuses",
            data={"status": "Friends only", "visibility": "private"},
            headers=headers,
        )
        public = await _note(http, headers, "For everyone")
        async with websockets.connect(f"{ws_url}?stream=public:local") as ws:
            await asyncio.sleep(0.2)  # the connection has read where the journal stands
            for status_id in (private.json()["id"], public):
                answer = await http.delete(f"/api/v1/statuses/{status_id}", headers=headers)
                assert answer.status_code == 200
            first = json.loads(await asyncio.wait_for(ws.recv(), 20))
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(ws.recv(), 2.5)
    assert first == {"stream": ["public:local"], "event": "delete", "payload": public}


async def test_a_remote_edit_and_delete_reach_the_followers_streams(
    start_city: Callable[..., Any],
) -> None:
    """Bob of city B edits then deletes a note; the Update and the Delete federate to city A,
    whose worker stores them; Alice, following Bob, gets `status.update` then `delete` on
    her user stream over the WebSocket, and the public stream gets them too."""
    a: LiveCity = await start_city()
    b: LiveCity = await start_city()
    add_member(a, "alice")
    add_member(b, "bob")
    alice = a.db.write_sync(lambda s: issue_token(s, "alice"))
    bob = b.db.write_sync(lambda s: issue_token(s, "bob"))
    alice_auth, bob_auth = {"Authorization": f"Bearer {alice}"}, {"Authorization": f"Bearer {bob}"}
    found = await a.http.get(
        "/api/v1/accounts/lookup", params={"acct": f"bob@{b.settings.domain}"}, headers=alice_auth
    )
    bob_id = found.json()["id"]
    await a.http.post(f"/api/v1/accounts/{bob_id}/follow", headers=alice_auth)

    async def following() -> bool:
        answer = await a.http.get(
            "/api/v1/accounts/relationships", params={"id[]": bob_id}, headers=alice_auth
        )
        return bool(answer.json()[0]["following"])

    await eventually(following)
    bob_status = await _note(b.http, bob_auth, "Fresh eggs tomorrow")

    async def arrived() -> list[Any]:
        home = await a.http.get("/api/v1/timelines/home", headers=alice_auth)
        return [s for s in home.json() if "Fresh eggs" in s["content"]]

    (status,) = await eventually(arrived)
    ws_url = a.url.replace("http", "ws", 1) + "/api/v1/streaming"
    async with websockets.connect(f"{ws_url}?access_token={alice}&stream=user") as ws:
        await ws.send(json.dumps({"type": "subscribe", "stream": "public"}))
        await asyncio.sleep(0.2)
        _edit_elsewhere(b, "bob", bob_status, "Fresh eggs on Friday")
        edits = [json.loads(await asyncio.wait_for(ws.recv(), 20)) for _ in range(2)]
        removed = await b.http.delete(f"/api/v1/statuses/{bob_status}", headers=bob_auth)
        assert removed.status_code == 200
        deletes = [json.loads(await asyncio.wait_for(ws.recv(), 20)) for _ in range(2)]
    assert sorted(e["stream"][0] for e in edits) == ["public", "user"]
    for event in edits:
        assert event["event"] == "status.update"
        shown = json.loads(event["payload"])
        assert shown["id"] == status["id"] and "Fresh eggs on Friday" in shown["content"]
    assert sorted(e["stream"][0] for e in deletes) == ["public", "user"]
    assert {(e["event"], e["payload"]) for e in deletes} == {("delete", status["id"])}


async def test_a_listing_edited_then_withdrawn_reaches_the_public_stream(
    start_city: Callable[..., Any],
) -> None:
    """A listing is a public status: its edit (PATCH, which federates an Update) is a
    `status.update`, its withdrawal a `delete`, both on the public stream over SSE."""
    city: LiveCity = await start_city(run_worker=False, moderation={"listing_review": "after"})
    add_member(city, "alice")
    token = city.db.write_sync(lambda s: issue_token(s, "alice"))
    headers = {"Authorization": f"Bearer {token}"}
    api = "/api/comptoir/v1/listings"
    async with httpx.AsyncClient(base_url=city.url, timeout=20) as http:
        listing = await http.post(
            api, json={"purpose": "offer", "title": "Lamp", "price": "2.00"}, headers=headers
        )
        assert listing.status_code == 201, listing.text
        listing_id = listing.json()["id"]
        (status,) = [
            s
            for s in (await http.get("/api/v1/timelines/public", params={"local": "true"})).json()
            if "Lamp" in s["content"]
        ]
        async with http.stream("GET", "/api/v1/streaming/public/local") as stream:
            lines = stream.aiter_lines()
            edited = await http.patch(
                f"{api}/{listing_id}", json={"title": "Brass lamp"}, headers=headers
            )
            assert edited.status_code == 200, edited.text
            ((kind, payload),) = await asyncio.wait_for(_raw_events(lines, 1), 20)
            withdrawn = await http.post(f"{api}/{listing_id}/withdraw", headers=headers)
            assert withdrawn.status_code == 200, withdrawn.text
            gone = await asyncio.wait_for(_raw_events(lines, 1), 20)
    assert kind == "status.update"
    shown = json.loads(payload)
    assert shown["id"] == status["id"] and "Brass lamp" in shown["content"]
    assert gone == [("delete", status["id"])]


async def test_the_notification_stream_sends_notifications_only(
    start_city: Callable[..., Any],
) -> None:
    """`user:notification` over the WebSocket: a direct status from another member is a
    `notification` (a mention); the status itself, an `update` on `user`, is not sent."""
    city: LiveCity = await start_city(run_worker=False)
    add_member(city, "alice")
    add_member(city, "bob")
    alice = city.db.write_sync(lambda s: issue_token(s, "alice"))
    bob = city.db.write_sync(lambda s: issue_token(s, "bob"))
    ws_url = city.url.replace("http", "ws", 1) + "/api/v1/streaming"
    async with websockets.connect(f"{ws_url}?access_token={alice}&stream=user:notification") as ws:
        await asyncio.sleep(0.2)
        sent = await city.http.post(
            "/api/v1/statuses",
            data={"status": "@alice see you at the market", "visibility": "direct"},
            headers={"Authorization": f"Bearer {bob}"},
        )
        assert sent.status_code == 200, sent.text
        event = json.loads(await asyncio.wait_for(ws.recv(), 20))
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(ws.recv(), 2.5)
    assert event["stream"] == ["user:notification"] and event["event"] == "notification"
    notification = json.loads(event["payload"])
    assert notification["type"] == "mention"
    assert notification["account"]["username"] == "bob"
    assert notification["status"]["id"] == sent.json()["id"]


async def test_the_direct_stream_sends_a_conversation_when_a_message_arrives(
    start_city: Callable[..., Any],
) -> None:
    city: LiveCity = await start_city(run_worker=False)
    add_member(city, "alice")
    add_member(city, "bob")
    alice = city.db.write_sync(lambda s: issue_token(s, "alice"))
    bob = city.db.write_sync(lambda s: issue_token(s, "bob"))
    async with httpx.AsyncClient(base_url=city.url, timeout=20) as http:
        assert (await http.get("/api/v1/streaming/direct")).status_code == 401
        async with http.stream(
            "GET", "/api/v1/streaming/direct", headers={"Authorization": f"Bearer {alice}"}
        ) as stream:
            lines = stream.aiter_lines()
            await http.post(
                "/api/v1/statuses",
                data={"status": "Market day!", "visibility": "public"},
                headers={"Authorization": f"Bearer {bob}"},
            )
            sent = await http.post(
                "/api/v1/statuses",
                data={"status": "@alice the apples are in", "visibility": "direct"},
                headers={"Authorization": f"Bearer {bob}"},
            )
            assert sent.status_code == 200, sent.text
            ((kind, payload),) = await asyncio.wait_for(_raw_events(lines, 1), 20)
    assert kind == "conversation"
    conversation = json.loads(payload)
    assert conversation["unread"] is True
    assert [a["username"] for a in conversation["accounts"]] == ["bob"]
    assert conversation["last_status"]["id"] == sent.json()["id"]


async def test_a_reblog_and_its_undoing_reach_the_user_stream(
    start_city: Callable[..., Any],
) -> None:
    city: LiveCity = await start_city(run_worker=False)
    add_member(city, "alice")
    add_member(city, "bob")
    alice = {"Authorization": f"Bearer {city.db.write_sync(lambda s: issue_token(s, 'alice'))}"}
    bob = {"Authorization": f"Bearer {city.db.write_sync(lambda s: issue_token(s, 'bob'))}"}
    async with httpx.AsyncClient(base_url=city.url, timeout=20) as http:
        original = await _note(http, bob, "Worth sharing")
        async with http.stream("GET", "/api/v1/streaming/user", headers=alice) as stream:
            lines = stream.aiter_lines()
            boosted = await http.post(f"/api/v1/statuses/{original}/reblog", headers=alice)
            wrapper = boosted.json()["id"]
            (update_event, shown), *_ = await asyncio.wait_for(_raw_events(lines, 1), 20)
            await http.post(f"/api/v1/statuses/{original}/unreblog", headers=alice)
            got = await asyncio.wait_for(_raw_events(lines, 1), 20)
    assert update_event == "update"
    assert json.loads(shown)["id"] == wrapper
    assert json.loads(shown)["reblog"]["id"] == original
    assert got == [("delete", wrapper)]


async def test_the_direct_stream_sends_a_negotiation_thread_each_time_it_moves(
    start_city: Callable[..., Any],
) -> None:
    """An offer is a new row; its acceptance is not, and the thread moves all the same."""
    city: LiveCity = await start_city(run_worker=False, moderation={"listing_review": "after"})
    add_member(city, "alice")
    add_member(city, "bob")
    alice = {"Authorization": f"Bearer {city.db.write_sync(lambda s: issue_token(s, 'alice'))}"}
    bob = {"Authorization": f"Bearer {city.db.write_sync(lambda s: issue_token(s, 'bob'))}"}
    api = "/api/comptoir/v1"
    async with httpx.AsyncClient(base_url=city.url, timeout=20) as http:
        listing = await http.post(
            f"{api}/listings",
            json={"purpose": "offer", "title": "Bike repair", "description": "I fix bikes."},
            headers=alice,
        )
        assert listing.status_code == 201, listing.text
        async with http.stream("GET", "/api/v1/streaming/direct", headers=alice) as stream:
            lines = stream.aiter_lines()
            opened = await http.post(
                f"{api}/listings/{listing.json()['id']}/negotiations",
                json={"quantity": 1, "price": "2.50", "message": "Saturday?"},
                headers=bob,
            )
            assert opened.status_code == 201, opened.text
            thread = opened.json()
            ((offered, first),) = await asyncio.wait_for(_raw_events(lines, 1), 20)
            offer_id = thread["offers"][-1]["id"]
            accepted = await http.post(
                f"{api}/negotiations/{thread['id']}/offers/{offer_id}/accept", headers=alice
            )
            assert accepted.status_code == 200, accepted.text
            ((answered, second),) = await asyncio.wait_for(_raw_events(lines, 1), 20)
    assert offered == answered == "conversation"
    before, after = json.loads(first), json.loads(second)
    assert before["id"] == after["id"]
    assert [a["username"] for a in before["accounts"]] == ["bob"]
    assert "Offer: 1 × “Bike repair” for 2.50" in before["last_status"]["content"]
    assert after["last_status"]["content"] != before["last_status"]["content"]


async def test_an_sse_stream_ends_when_its_token_is_revoked(
    start_city: Callable[..., Any],
) -> None:
    city: LiveCity = await start_city(run_worker=False)
    add_member(city, "alice")
    token = city.db.write_sync(lambda s: issue_token(s, "alice"))
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=city.url, timeout=20) as http:
        async with http.stream("GET", "/api/v1/streaming/user", headers=headers) as stream:
            lines = stream.aiter_lines()
            assert await asyncio.wait_for(anext(lines), 20) == ":)"
            city.db.write_sync(lambda s: oauth_tokens.revoke_tokens(s, "alice"))
            _post_elsewhere(city, "alice", "Nobody should read this here")
            rest = await asyncio.wait_for(_events(lines, 1), 20)  # ends, not times out
    assert rest == []


async def test_a_websocket_closes_when_its_member_is_suspended(
    start_city: Callable[..., Any],
) -> None:
    city: LiveCity = await start_city(run_worker=False)
    add_member(city, "alice")
    token = city.db.write_sync(lambda s: issue_token(s, "alice"))
    ws_url = city.url.replace("http", "ws", 1) + "/api/v1/streaming"
    async with websockets.connect(f"{ws_url}?access_token={token}&stream=user") as ws:
        city.db.write_sync(lambda s: members.suspend(s, "alice", None, "test"))
        _post_elsewhere(city, "alice", "Nobody should read this here")
        with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 20)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
