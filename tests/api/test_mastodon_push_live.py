"""Web Push end to end: a real city, its worker, and a push service on loopback (tests/sink.py)
that receives the POST. The test plays the device: it checks our VAPID token with the key the
instance publishes, decrypts the message with the subscription's private key, and finds the
notification; a 410 from the push service removes the subscription. Then Mastodon.py, a real
client, subscribes with the older aesgcm encoding and decrypts what it is sent."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import http_ece  # type: ignore[import-untyped]
import orjson
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from sqlalchemy import func, select

from api.auth import issue_token
from federation import webpush
from models import WebPushSubscription

from ..e2e.helpers import add_member, eventually
from ..live import LiveCity
from ..sink import Sink
from .test_mastodon_py_client import _logged_in

pytestmark = pytest.mark.slow


@pytest.fixture
async def push_service() -> AsyncIterator[Sink]:
    async with Sink(default_status=201) as running:
        yield running


def _verified_claims(authorization: str, published_key: str) -> dict[str, Any]:
    """The VAPID JWT's claims, once its ES256 signature checks out with `published_key`."""
    scheme, _, rest = authorization.partition(" ")
    assert scheme == "vapid"
    fields = dict(part.strip().split("=", 1) for part in rest.split(","))
    assert fields["k"] == published_key
    header, claims, signature = fields["t"].split(".")
    raw = webpush.unb64url(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(), webpush.unb64url(published_key)
    )
    public.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    assert orjson.loads(webpush.unb64url(header))["alg"] == "ES256"
    found: dict[str, Any] = orjson.loads(webpush.unb64url(claims))
    return found


async def _subscriptions(city: LiveCity) -> int:
    return int(
        await city.db.read(
            lambda s: s.scalar(select(func.count()).select_from(WebPushSubscription))
        )
    )


async def test_a_mention_is_pushed_signed_and_encrypted_and_a_410_unsubscribes(
    start_city: Callable[..., Any], push_service: Sink
) -> None:
    city: LiveCity = await start_city()
    add_member(city, "alice")
    add_member(city, "bob")
    alice = city.db.write_sync(lambda s: issue_token(s, "alice"))
    bob = city.db.write_sync(lambda s: issue_token(s, "bob"))
    device, secret = ec.generate_private_key(ec.SECP256R1()), os.urandom(16)
    answer = await city.http.post(
        "/api/v1/push/subscription",
        json={
            "subscription": {
                "endpoint": push_service.url("/push/alice-phone"),
                "keys": {
                    "p256dh": webpush.b64url(webpush.public_point(device)),
                    "auth": webpush.b64url(secret),
                },
                "standard": True,
            },
            "data": {"alerts": {"mention": True}},
        },
        headers={"Authorization": f"Bearer {alice}"},
    )
    assert answer.status_code == 200, answer.text
    published = (await city.http.get("/api/v2/instance")).json()["configuration"]["vapid"]
    push_service.statuses = [201, 410]

    said = await city.http.post(
        "/api/v1/statuses",
        json={"status": "@alice the bread oven is free on Sunday"},
        headers={"Authorization": f"Bearer {bob}"},
    )
    assert said.status_code == 200, said.text

    async def arrived() -> bool:
        return len(push_service.received) >= 1

    await eventually(arrived)
    pushed = push_service.received[0]
    assert pushed.path == "/push/alice-phone"
    assert pushed.headers["content-encoding"] == "aes128gcm"
    assert (pushed.headers["ttl"], pushed.headers["urgency"]) == ("172800", "normal")
    claims = _verified_claims(pushed.headers["authorization"], published["public_key"])
    assert claims["aud"] == push_service.url("")
    assert claims["exp"] > time.time() and claims["sub"] == city.url
    payload = orjson.loads(
        http_ece.decrypt(pushed.body, private_key=device, auth_secret=secret, version="aes128gcm")
    )
    told = (
        await city.http.get("/api/v1/notifications", headers={"Authorization": f"Bearer {alice}"})
    ).json()
    assert payload["notification_id"] == int(told[0]["id"])
    assert payload["notification_type"] == "mention"
    assert payload["access_token"] == alice
    assert "bob" in payload["body"] and payload["title"] and payload["icon"]
    assert payload["preferred_locale"] == city.settings.language

    await city.http.post(
        "/api/v1/statuses",
        json={"status": "@alice and on Monday"},
        headers={"Authorization": f"Bearer {bob}"},
    )

    async def unsubscribed() -> bool:
        return len(push_service.received) >= 2 and await _subscriptions(city) == 0

    await eventually(unsubscribed)


async def test_mastodon_py_subscribes_and_decrypts_what_it_is_pushed(
    start_city: Callable[..., Any], push_service: Sink
) -> None:
    city: LiveCity = await start_city()
    add_member(city, "alice")
    add_member(city, "bob")
    bob = city.db.write_sync(lambda s: issue_token(s, "bob"))

    def subscribe() -> tuple[Any, dict[str, Any], Any]:
        client = _logged_in(city, "alice", ["read", "write", "push"])
        private, public = client.push_subscription_generate_keys()
        subscription = client.push_subscription_set(
            push_service.url("/push/py"), public, mention_events=True
        )
        return client, private, subscription

    client, private, subscription = await asyncio.to_thread(subscribe)
    assert subscription["alerts"]["mention"] is True and subscription["standard"] is False
    await city.http.post(
        "/api/v1/statuses",
        json={"status": "@alice the market moves to the square"},
        headers={"Authorization": f"Bearer {bob}"},
    )

    async def arrived() -> bool:
        return len(push_service.received) >= 1

    await eventually(arrived)
    pushed = push_service.received[0]
    assert pushed.headers["content-encoding"] == "aesgcm"
    payload = client.push_subscription_decrypt_push(
        pushed.body, private, pushed.headers["encryption"], pushed.headers["crypto-key"]
    )
    assert payload["notification_type"] == "mention"
    assert int(payload["notification_id"]) > 0
