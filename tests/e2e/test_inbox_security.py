"""Every check of the inbox refuses what it must, each in its own test, and stores nothing.

City B plays the remote server: its member bob has a real key and a real actor document,
and the tests hand-craft (and tamper with) signed POSTs to city A's inbox.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import func, select

from exchange import members
from federation.httpsig import sign_headers
from federation.keys import load_private_key
from federation.rfc9421 import sign_rfc9421_headers
from models import DomainRule, InboundActivity, RemoteActor, RuleKind, Severity, utcnow

from .helpers import add_member, eventually


class Remote:
    """Signs activities as bob of city B."""

    def __init__(self, b: Any) -> None:
        self.b = b
        self.actor = b.city.urls.member("bob")
        self.key_id = b.city.urls.key_id(self.actor)
        pem = b.db.read_sync(lambda s: members.get_member(s, "bob").private_key_pem)
        self.private_key = load_private_key(pem)
        self.serial = 0

    def activity(self, **fields: Any) -> dict[str, Any]:
        self.serial += 1
        return {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{self.actor}#activities/{self.serial}",
            "type": "Like",
            "actor": self.actor,
            "object": f"{self.b.url}/notes/x",
            **fields,
        }


async def post(
    a: Any, body: bytes, headers: dict[str, str], path: str = "/inbox"
) -> httpx.Response:
    return await a.http.post(path, content=body, headers=headers)


def signed(
    a: Any, remote: Remote, body: bytes, *, path: str = "/inbox", **kwargs: Any
) -> dict[str, str]:
    return sign_headers(
        "POST",
        a.url + path,
        key_id=kwargs.pop("key_id", remote.key_id),
        private_key=kwargs.pop("private_key", remote.private_key),
        body=body,
        **kwargs,
    )


async def stored(a: Any) -> int:
    return await a.db.read(lambda s: s.scalar(select(func.count()).select_from(InboundActivity)))


@pytest.fixture
async def pair(start_city: Any) -> tuple[Any, Remote]:
    a, b = await start_city(), await start_city()
    add_member(b, "bob")
    add_member(b, "carol")
    return a, Remote(b)


async def test_a_correctly_signed_activity_is_accepted(pair: tuple[Any, Remote]) -> None:
    a, remote = pair
    body = orjson.dumps(remote.activity())
    answer = await post(a, body, signed(a, remote, body))
    assert answer.status_code == 202
    assert await stored(a) == 1


async def test_an_rfc9421_signed_activity_is_accepted(pair: tuple[Any, Remote]) -> None:
    a, remote = pair
    body = orjson.dumps(remote.activity())
    headers = sign_rfc9421_headers(
        "POST", a.url + "/inbox", key_id=remote.key_id, private_key=remote.private_key, body=body
    )
    answer = await post(a, body, headers)
    assert answer.status_code == 202, answer.text
    assert await stored(a) == 1


async def test_an_unsigned_post_is_refused(pair: tuple[Any, Remote]) -> None:
    a, remote = pair
    body = orjson.dumps(remote.activity())
    answer = await post(a, body, {"Content-Type": "application/activity+json"})
    assert answer.status_code == 401
    assert "not signed" in answer.json()["error"]
    assert await stored(a) == 0


async def test_a_forged_signature_is_refused(pair: tuple[Any, Remote]) -> None:
    a, remote = pair
    body = orjson.dumps(remote.activity())
    headers = signed(a, remote, body)
    value = headers["Signature"]
    start = value.index('signature="') + len('signature="')
    headers["Signature"] = (
        value[:start] + ("A" if value[start] != "A" else "B") + value[start + 1 :]
    )
    answer = await post(a, body, headers)
    assert answer.status_code == 401
    assert await stored(a) == 0


async def test_a_signature_by_another_actors_key_is_refused(pair: tuple[Any, Remote]) -> None:
    a, remote = pair
    carol = remote.b.city.urls.member("carol")
    body = orjson.dumps(remote.activity(actor=carol))  # claims to be carol, signed by bob
    answer = await post(a, body, signed(a, remote, body))
    assert answer.status_code == 401
    assert "not by the activity's actor" in answer.json()["error"]
    assert await stored(a) == 0


async def test_a_stale_date_is_refused(pair: tuple[Any, Remote]) -> None:
    a, remote = pair
    body = orjson.dumps(remote.activity())
    answer = await post(a, body, signed(a, remote, body, now=utcnow() - timedelta(hours=3)))
    assert answer.status_code == 401
    assert await stored(a) == 0


async def test_a_future_date_is_refused(pair: tuple[Any, Remote]) -> None:
    a, remote = pair
    body = orjson.dumps(remote.activity())
    answer = await post(a, body, signed(a, remote, body, now=utcnow() + timedelta(hours=3)))
    assert answer.status_code == 401
    assert await stored(a) == 0


async def test_a_body_that_does_not_match_its_digest_is_refused(pair: tuple[Any, Remote]) -> None:
    a, remote = pair
    body = orjson.dumps(remote.activity())
    headers = signed(a, remote, body)
    altered = body.replace(b"Like", b"Flag")
    answer = await post(a, altered, headers)
    assert answer.status_code == 401
    assert "digest" in answer.json()["error"].lower()
    assert await stored(a) == 0


async def test_a_replayed_activity_is_stored_and_processed_once(pair: tuple[Any, Remote]) -> None:
    a, remote = pair
    body = orjson.dumps(remote.activity())
    headers = signed(a, remote, body)
    first, again = await post(a, body, headers), await post(a, body, headers)
    assert (first.status_code, again.status_code) == (202, 202)
    assert await stored(a) == 1


async def test_an_oversized_body_is_refused(pair: tuple[Any, Remote]) -> None:
    a, remote = pair
    body = orjson.dumps(remote.activity(content="x" * (a.settings.federation.max_body_bytes + 1)))
    answer = await post(a, body, signed(a, remote, body))
    assert answer.status_code == 413
    assert await stored(a) == 0


async def test_malformed_json_is_refused(pair: tuple[Any, Remote]) -> None:
    a, remote = pair
    body = b'{"id": "https://x", '
    answer = await post(a, body, signed(a, remote, body))
    assert answer.status_code == 400
    assert await stored(a) == 0


@pytest.mark.parametrize("missing", ["@context", "id"])
async def test_an_activity_without_context_or_id_is_refused(
    pair: tuple[Any, Remote], missing: str
) -> None:
    a, remote = pair
    activity = remote.activity()
    del activity[missing]
    body = orjson.dumps(activity)
    answer = await post(a, body, signed(a, remote, body))
    assert answer.status_code == 400
    assert missing in answer.json()["error"]
    assert await stored(a) == 0


async def test_a_blocked_domain_is_refused_before_anything_is_fetched(
    pair: tuple[Any, Remote],
) -> None:
    a, remote = pair
    a.db.write_sync(
        lambda s: s.add(
            DomainRule(
                domain=remote.b.settings.domain, kind=RuleKind.block, severity=Severity.suspend
            )
        )
    )
    a.city.fediverse.policy.invalidate()
    body = orjson.dumps(remote.activity())
    answer = await post(a, body, signed(a, remote, body))
    assert answer.status_code == 403
    assert await stored(a) == 0
    known = await a.db.read(lambda s: s.scalar(select(func.count()).select_from(RemoteActor)))
    assert known == 0, "the blocked actor was never fetched"


async def test_a_key_on_a_private_address_is_never_fetched(pair: tuple[Any, Remote]) -> None:
    a, remote = pair
    actor = "http://10.0.0.7/users/mallory"
    body = orjson.dumps(remote.activity(actor=actor))
    answer = await post(a, body, signed(a, remote, body, key_id=f"{actor}#main-key"))
    assert answer.status_code == 401
    assert "10.0.0.7" in answer.json()["error"]
    assert await stored(a) == 0


async def test_a_signature_sent_to_another_host_is_refused(pair: tuple[Any, Remote]) -> None:
    a, remote = pair
    body = orjson.dumps(remote.activity())
    headers = sign_headers(
        "POST",
        "http://other.example/inbox",
        key_id=remote.key_id,
        private_key=remote.private_key,
        body=body,
    )
    answer = await post(a, body, headers)
    assert answer.status_code == 401
    assert await stored(a) == 0


async def test_an_unknown_context_url_is_never_fetched(pair: tuple[Any, Remote]) -> None:
    """An activity naming a context we do not bundle is processed without fetching it."""
    a, remote = pair
    hits: list[bytes] = []

    async def recorder(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        hits.append(await reader.read(1000))
        writer.close()

    server = await asyncio.start_server(recorder, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        activity = remote.activity()
        activity["@context"] = [
            "https://www.w3.org/ns/activitystreams",
            f"http://127.0.0.1:{port}/context.jsonld",
        ]
        body = orjson.dumps(activity)
        assert (await post(a, body, signed(a, remote, body))).status_code == 202

        async def processed() -> bool:
            row = await a.db.read(lambda s: s.scalar(select(InboundActivity)))
            return row is not None and row.state.value == "done"

        await eventually(processed)
    finally:
        server.close()
        await server.wait_closed()
    assert hits == []


async def test_a_members_own_inbox_accepts_a_signed_activity(pair: tuple[Any, Remote]) -> None:
    a, remote = pair
    add_member(a, "alice")
    body = orjson.dumps(remote.activity())
    answer = await post(
        a, body, signed(a, remote, body, path="/users/alice/inbox"), path="/users/alice/inbox"
    )
    assert answer.status_code == 202
    assert await stored(a) == 1


async def test_an_inbox_of_an_unknown_member_is_404(pair: tuple[Any, Remote]) -> None:
    a, remote = pair
    body = orjson.dumps(remote.activity())
    answer = await post(
        a, body, signed(a, remote, body, path="/users/nobody/inbox"), path="/users/nobody/inbox"
    )
    assert answer.status_code == 404
    assert await stored(a) == 0


async def test_a_prefixed_activity_is_normalised_and_accepted(pair: tuple[Any, Remote]) -> None:
    """JSON-LD where it matters: `as:`-prefixed keys are read through the bundled contexts."""
    a, remote = pair
    plain = remote.activity()
    prefixed = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "@id": plain["id"],
        "@type": "as:Like",
        "as:actor": {"@id": plain["actor"]},
        "as:object": {"@id": plain["object"]},
    }
    body = orjson.dumps(prefixed)
    answer = await post(a, body, signed(a, remote, body))
    assert answer.status_code == 202, answer.text
    row = await a.db.read(lambda s: s.scalar(select(InboundActivity)))
    assert (row.uri, row.type, row.actor) == (plain["id"], "Like", plain["actor"])
