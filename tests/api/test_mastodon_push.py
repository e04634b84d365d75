"""`/api/v1/push/subscription` in process: Mastodon's WebPushSubscription, one per token,
the `push` scope, refusals, revocation; and which notifications queue a push."""

from __future__ import annotations

import base64
import os
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from exchange import notifications, oauth_tokens, push_subscriptions
from exchange.errors import DomainError
from federation import webpush
from instance.outcomes import PermanentFailure, RetryLater
from models import Job, NotificationKind, PushPolicy, WebPushSubscription
from services import web_push

from ..oauth.conftest import PASSWORD
from ..sink import Sink
from .mastodon_city import Masto

PATH = "/api/v1/push/subscription"
DEVICE = ec.generate_private_key(ec.SECP256R1())
P256DH = webpush.b64url(webpush.public_point(DEVICE))
AUTH = webpush.b64url(os.urandom(16))


def subscription(endpoint: str = "https://push.example/send/abc", **alerts: bool) -> dict:
    return {
        "subscription": {"endpoint": endpoint, "keys": {"p256dh": P256DH, "auth": AUTH}},
        "data": {"alerts": alerts or {"mention": True, "follow": True}, "policy": "all"},
    }


async def subscribe(masto: Masto, who: str = "alice", **body: Any) -> Any:
    return await masto.http.post(PATH, json=body or subscription(), headers=masto.auth(who))


def rows(masto: Masto) -> int:
    return masto.db.read_sync(
        lambda s: s.scalar(select(func.count()).select_from(WebPushSubscription))
    )


def push_jobs(masto: Masto) -> list[dict[str, Any]]:
    return masto.db.read_sync(
        lambda s: [
            j.payload for j in s.scalars(select(Job).where(Job.kind == push_subscriptions.SEND))
        ]
    )


async def test_a_subscription_answers_mastodons_entity(masto: Masto) -> None:
    answer = await subscribe(masto)
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert set(found) == {"id", "endpoint", "standard", "alerts", "server_key", "policy"}
    assert found["endpoint"] == "https://push.example/send/abc"
    assert found["policy"] == "all" and found["standard"] is False
    assert set(found["alerts"]) == set(push_subscriptions.ALERTS)
    assert found["alerts"]["mention"] is True and found["alerts"]["favourite"] is False
    instance = (await masto.get("/api/v2/instance")).json()
    assert found["server_key"] == instance["configuration"]["vapid"]["public_key"]


async def test_apps_are_given_the_vapid_key_an_uncompressed_p256_point(masto: Masto) -> None:
    app = (
        await masto.http.post(
            "/api/v1/apps",
            data={"client_name": "Elk", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"},
        )
    ).json()
    point = webpush.unb64url(app["vapid_key"])
    ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    assert len(point) == 65 and point[0] == 4
    instance = (await masto.get("/api/v2/instance")).json()
    assert instance["configuration"]["vapid"]["public_key"] == app["vapid_key"]


async def test_reading_without_a_subscription_is_record_not_found(masto: Masto) -> None:
    answer = await masto.get(PATH, "alice")
    assert (answer.status_code, answer.json()) == (404, {"error": "Record not found"})


async def test_a_second_subscription_of_the_token_replaces_the_first(masto: Masto) -> None:
    await subscribe(masto)
    await subscribe(masto, **subscription("https://push.example/send/other", reblog=True))
    assert rows(masto) == 1
    shown = (await masto.get(PATH, "alice")).json()
    assert shown["endpoint"] == "https://push.example/send/other"
    assert shown["alerts"]["reblog"] is True and shown["alerts"]["mention"] is False


async def test_a_form_in_mastodons_bracketed_names_subscribes(masto: Masto) -> None:
    answer = await masto.http.post(
        PATH,
        data={
            "subscription[endpoint]": "https://push.example/form",
            "subscription[keys][p256dh]": base64.b64encode(webpush.unb64url(P256DH)).decode(),
            "subscription[keys][auth]": base64.b64encode(webpush.unb64url(AUTH)).decode(),
            "subscription[standard]": "true",
            "data[alerts][admin.sign_up]": "1",
            "policy": "follower",
        },
        headers=masto.auth("alice"),
    )
    found = answer.json()
    assert answer.status_code == 200, answer.text
    assert (found["standard"], found["policy"]) == (True, "follower")
    assert found["alerts"]["admin.sign_up"] is True


async def test_put_changes_the_alerts_sent_and_the_policy_keeping_the_rest(masto: Masto) -> None:
    await subscribe(masto)
    answer = await masto.http.put(
        PATH,
        json={"data": {"alerts": {"favourite": True, "mention": False}, "policy": "followed"}},
        headers=masto.auth("alice"),
    )
    found = answer.json()
    assert found["policy"] == "followed"
    assert found["alerts"]["favourite"] is True
    assert found["alerts"]["mention"] is False and found["alerts"]["follow"] is True


async def test_put_without_a_subscription_is_record_not_found(masto: Masto) -> None:
    answer = await masto.http.put(PATH, json={"data": {"policy": "all"}}, headers=masto.auth("bob"))
    assert answer.status_code == 404


async def test_delete_removes_it(masto: Masto) -> None:
    await subscribe(masto)
    answer = await masto.http.delete(PATH, headers=masto.auth("alice"))
    assert (answer.status_code, answer.json()) == (200, {})
    assert (await masto.get(PATH, "alice")).status_code == 404


async def test_each_token_has_its_own_subscription(masto: Masto) -> None:
    await subscribe(masto, "alice")
    assert (await masto.get(PATH, "bob")).status_code == 404


async def test_a_token_without_the_push_scope_is_refused(masto: Masto) -> None:
    token = await masto.scoped_token("alice", "read write follow")
    for answer in (
        await masto.http.post(PATH, json=subscription(), headers=masto.auth(token)),
        await masto.get(PATH, token),
        await masto.http.delete(PATH, headers=masto.auth(token)),
    ):
        assert answer.status_code == 403
        assert answer.json() == {"error": "This action is outside the authorized scopes"}
    assert rows(masto) == 0


async def test_a_token_with_only_the_push_scope_subscribes(masto: Masto) -> None:
    token = await masto.scoped_token("alice", "push")
    answer = await masto.http.post(PATH, json=subscription(), headers=masto.auth(token))
    assert answer.status_code == 200


async def test_no_token_is_401(masto: Masto) -> None:
    assert (await masto.http.post(PATH, json=subscription())).status_code == 401


def _bad(**change: Any) -> dict[str, Any]:
    body = subscription()
    body["subscription"] |= change
    return body


async def test_bad_subscriptions_are_422_and_nothing_is_kept(masto: Masto) -> None:
    for body in (
        _bad(endpoint="ftp://push.example/x"),
        _bad(endpoint="/relative"),
        _bad(endpoint=""),
        _bad(keys={"p256dh": webpush.b64url(b"\x04" + b"\x01" * 64), "auth": AUTH}),
        _bad(keys={"p256dh": "not base64!", "auth": AUTH}),
        _bad(keys={"p256dh": P256DH, "auth": webpush.b64url(b"short")}),
        _bad(keys={"p256dh": P256DH}),
        {**subscription(), "data": {"policy": "everyone"}},
    ):
        answer = await masto.http.post(PATH, json=body, headers=masto.auth("alice"))
        assert answer.status_code == 422, body
        assert set(answer.json()) == {"error"}
    assert rows(masto) == 0


def test_plain_http_endpoints_are_refused_unless_the_loopback_setting_is_on() -> None:
    push_subscriptions.check_endpoint("http://127.0.0.1:9/push", allow_http=True)
    try:
        push_subscriptions.check_endpoint("http://push.example/x", allow_http=False)
    except DomainError as refused:
        assert refused.status == 422
    else:
        raise AssertionError("an http endpoint was accepted")


async def test_revoking_the_token_removes_its_subscription(masto: Masto) -> None:
    app = (
        await masto.http.post(
            "/api/v1/apps",
            data={
                "client_name": "Tusky",
                "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                "scopes": "push",
            },
        )
    ).json()
    token = (
        await masto.http.post(
            "/oauth/token",
            data={
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
                "grant_type": "password",
                "username": "alice",
                "password": PASSWORD,
                "scope": "push",
            },
        )
    ).json()["access_token"]
    await masto.http.post(PATH, json=subscription(), headers=masto.auth(token))
    assert rows(masto) == 1
    await masto.http.post(
        "/oauth/revoke",
        data={"client_id": app["client_id"], "client_secret": app["client_secret"], "token": token},
    )
    assert rows(masto) == 0


async def test_the_clis_revocation_removes_the_subscriptions_too(masto: Masto) -> None:
    await subscribe(masto, "alice")
    masto.db.write_sync(lambda s: oauth_tokens.revoke_tokens(s, "alice"))
    assert rows(masto) == 0


def _notify(masto: Masto, kind: NotificationKind, who: str = "alice") -> None:
    member = masto.member_id(who)
    masto.db.write_sync(lambda s: notifications.notify(s, member, kind, "news"))


async def test_a_notification_queues_a_push_when_its_alert_is_on(masto: Masto) -> None:
    sid = int((await subscribe(masto)).json()["id"])
    _notify(masto, NotificationKind.offer)  # a mention to apps
    jobs = push_jobs(masto)
    assert len(jobs) == 1 and jobs[0]["subscription"] == sid


async def test_no_push_is_queued_when_the_alert_is_off(masto: Masto) -> None:
    await subscribe(masto)
    _notify(masto, NotificationKind.favourite)
    assert push_jobs(masto) == []


async def test_no_push_is_queued_under_the_none_policy(masto: Masto) -> None:
    await subscribe(masto)
    await masto.http.put(PATH, json={"data": {"policy": "none"}}, headers=masto.auth("alice"))
    _notify(masto, NotificationKind.offer)
    assert push_jobs(masto) == []


async def test_no_push_is_queued_for_another_member(masto: Masto) -> None:
    await subscribe(masto, "alice")
    _notify(masto, NotificationKind.offer, who="bob")
    assert push_jobs(masto) == []


def test_the_followed_policy_passes_only_accounts_the_member_follows(masto: Masto) -> None:
    followed, stranger = masto.remote("carol"), masto.remote("dave")
    masto.follows("alice", followed)
    me = masto.city.urls.member("alice")

    def allows(actor: int | None) -> bool:
        return masto.db.read_sync(
            lambda s: push_subscriptions.policy_allows(s, PushPolicy.followed, me, actor)
        )

    assert allows(followed) and not allows(stranger) and not allows(None)


async def _sent_to(masto: Masto, sink: Sink) -> None:
    """Subscribe alice at the sink, notify her, and run the one push job queued."""
    await subscribe(masto, **subscription(sink.url("/push"), mention=True))
    _notify(masto, NotificationKind.offer)
    job = masto.db.read_sync(
        lambda s: s.scalar(select(Job).where(Job.kind == push_subscriptions.SEND))
    )
    try:
        await web_push.send(masto.city, job)
    finally:
        await masto.city.fediverse.aclose()


async def test_a_busy_push_service_is_tried_again_after_its_retry_after(masto: Masto) -> None:
    async with Sink(statuses=[503], retry_after="120") as sink:
        with pytest.raises(RetryLater) as retried:
            await _sent_to(masto, sink)
    assert retried.value.after == 120
    assert rows(masto) == 1


async def test_a_push_refused_with_another_4xx_fails_for_good(masto: Masto) -> None:
    async with Sink(statuses=[400]) as sink:
        with pytest.raises(PermanentFailure):
            await _sent_to(masto, sink)
    assert rows(masto) == 1
