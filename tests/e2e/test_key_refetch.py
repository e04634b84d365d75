"""A bad signature may not make the city fetch keys: at most one fetch of a key document per
interval, and none for a request that already failed a cheaper check.

The key server is the recording sink (tests/sink.py), which counts the GETs it answers; the
directory's clock is a test clock, moved by hand, so nothing sleeps.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from federation.httpsig import sign_headers
from federation.keys import generate_rsa_pem
from instance.directory import KEY_FETCH_INTERVAL

from ..sink import Sink


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class Mallory:
    """An actor whose document (and key) the sink serves."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.uri = sink.url("/users/mallory")
        self.key_id = self.uri + "#main-key"
        self.private_pem, public_pem = generate_rsa_pem()
        self.publish(public_pem)
        self.serial = 0

    def publish(self, public_pem: str) -> None:
        self.sink.documents["/users/mallory"] = orjson.dumps(
            {
                "@context": [
                    "https://www.w3.org/ns/activitystreams",
                    "https://w3id.org/security/v1",
                ],
                "id": self.uri,
                "type": "Person",
                "preferredUsername": "mallory",
                "inbox": self.uri + "/inbox",
                "publicKey": {"id": self.key_id, "owner": self.uri, "publicKeyPem": public_pem},
            }
        )

    def body(self, actor: str | None = None) -> bytes:
        self.serial += 1
        return orjson.dumps(
            {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{self.uri}#likes/{self.serial}",
                "type": "Like",
                "actor": actor or self.uri,
                "object": f"{self.uri}/notes/1",
            }
        )

    def headers(self, city: Any, body: bytes, *, private_pem: str | None = None) -> dict[str, str]:
        return sign_headers(
            "POST",
            city.url + "/inbox",
            key_id=self.key_id,
            private_key=private_pem or self.private_pem,
            body=body,
        )

    async def like(self, city: Any) -> int:
        """A correctly signed Like to the city's inbox; the answer's status."""
        body = self.body()
        answer = await city.http.post("/inbox", content=body, headers=self.headers(city, body))
        status: int = answer.status_code
        return status


@pytest.fixture
async def sink() -> AsyncIterator[Sink]:
    async with Sink() as running:
        yield running


@pytest.fixture
async def city(start_city: Any) -> Any:
    return await start_city(run_worker=False)


async def test_twenty_forged_signatures_cause_at_most_one_key_fetch(city: Any, sink: Sink) -> None:
    clock = Clock()
    city.city.fediverse.directory.clock = clock
    mallory = Mallory(sink)
    assert await mallory.like(city) == 202
    clock.now += KEY_FETCH_INTERVAL + 1
    fetched_before = len(sink.fetched)

    forger_pem, _ = generate_rsa_pem()
    for _ in range(20):
        body = mallory.body()
        answer = await city.http.post(
            "/inbox", content=body, headers=mallory.headers(city, body, private_pem=forger_pem)
        )
        assert answer.status_code == 401

    assert len(sink.fetched) - fetched_before <= 1


async def test_a_rotated_key_is_fetched_again_once_the_interval_has_passed(
    city: Any, sink: Sink
) -> None:
    clock = Clock()
    city.city.fediverse.directory.clock = clock
    mallory = Mallory(sink)
    assert await mallory.like(city) == 202
    mallory.private_pem, public_pem = generate_rsa_pem()
    mallory.publish(public_pem)

    assert await mallory.like(city) == 401  # the key was fetched less than a minute ago
    clock.now += KEY_FETCH_INTERVAL + 1
    assert await mallory.like(city) == 202


async def test_a_key_on_another_host_than_the_actor_is_refused_before_any_fetch(
    city: Any, sink: Sink
) -> None:
    mallory = Mallory(sink)
    body = mallory.body(actor="http://127.0.0.2:9/users/someone")
    answer = await city.http.post("/inbox", content=body, headers=mallory.headers(city, body))
    assert answer.status_code == 401
    assert "not on the host" in answer.json()["error"]
    assert sink.fetched == []
