"""Pushing a notification to an app's Web Push subscription: the `push.send` job.

Queued by `exchange.push_subscriptions.queue_pushes` in the transaction that writes the
notification, one per subscription whose alert is on. The job reads the subscription and
the notification, applies the follow policy, makes Mastodon's payload (the app's access
token, the member's locale, the notification's id and Mastodon type, an icon, a title and a
body in the member's language), encrypts it for the device (RFC 8291) and POSTs it to the
push service with our VAPID authorization (RFC 8292), TTL and Urgency, through the guarded
client (no private address unless the city runs on loopback for tests).

What the push service answers decides the rest: 2xx done; 404 or 410 (the app or device is
gone) removes the subscription; 429 and 5xx, and a connection that fails, are tried again
with the queue's backoff (Retry-After honoured); another 4xx fails the job for good.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy.orm import Session

from exchange import notifications, push_subscriptions
from federation import webpush
from federation.errors import AddressRefused, FetchError
from instance import notification_texts, sealed, vapid
from instance.outcomes import PermanentFailure, RetryLater
from models import Job, Member, Notification, RemoteActor, WebPushSubscription
from outbox import render

if TYPE_CHECKING:
    from instance.city import City
    from instance.jobs import JobHandler

log = logging.getLogger("comptoir.web_push")

#: how long the push service keeps a message for a device that is offline (Mastodon's 48 h)
TTL_SECONDS = 48 * 3600
#: RFC 8030's urgency: what a member is told can wait for the device's next wake-up
URGENCY = "normal"
#: Mastodon cuts the body to this many characters
BODY_CHARACTERS = 140


@dataclass(frozen=True)
class Message:
    """One push, ready to send: where, what (before encryption), how to encrypt it."""

    subscription_id: int
    endpoint: str
    p256dh: str
    auth: str
    standard: bool
    payload: dict[str, Any]
    vapid: vapid.Vapid


def _icon(city: City, member: Member, actor: RemoteActor | None) -> str:
    if actor is not None and actor.icon_url:
        return actor.icon_url
    icon = render.avatar_icon(city.urls, member.avatar) if actor is None else None
    return icon["url"] if icon else f"{city.urls.base}/static/avatar.svg"


def payload(
    city: City, row: Notification, member: Member, actor: RemoteActor | None, token: str | None
) -> dict[str, Any]:
    """Mastodon's push payload (Web::NotificationSerializer)."""
    language = member.language or city.settings.language
    body = notification_texts.say(row.code, row.params, row.text, language)
    if len(body) > BODY_CHARACTERS:
        body = body[: BODY_CHARACTERS - 1] + "…"
    title = (actor.name or actor.preferred_username) if actor is not None else city.settings.name
    return {
        "access_token": token,
        "preferred_locale": language,
        "notification_id": row.id,
        "notification_type": notifications.MASTODON_TYPES[row.kind],
        "icon": _icon(city, member, actor),
        "title": title or city.settings.name,
        "body": body,
    }


def message(
    session: Session, city: City, subscription_id: int, notification_id: int
) -> Message | None:
    """The push to send, or None: the subscription or the notification is gone, or the
    policy leaves this notification out."""
    subscription = session.get(WebPushSubscription, subscription_id)
    row = session.get(Notification, notification_id)
    if subscription is None or row is None or row.member_id != subscription.member_id:
        return None
    member = session.get(Member, row.member_id)
    if member is None:
        return None
    allowed = push_subscriptions.policy_allows(
        session, subscription.policy, city.urls.member(member.username), row.remote_actor_id
    )
    if not allowed:
        return None
    actor = session.get(RemoteActor, row.remote_actor_id) if row.remote_actor_id else None
    token = sealed.unseal(city.settings.secret_key, subscription.sealed_token)
    return Message(
        subscription_id=subscription.id,
        endpoint=subscription.endpoint,
        p256dh=subscription.key_p256dh,
        auth=subscription.key_auth,
        standard=subscription.standard,
        payload=payload(city, row, member, actor, token),
        vapid=vapid.key(session),
    )


def subject(city: City) -> str:
    """Who the push service may contact about our messages (VAPID `sub`): the city's site."""
    return city.urls.base


async def send(city: City, job: Job) -> None:
    subscription_id = int(job.payload["subscription"])
    notification_id = int(job.payload["notification"])
    found = await city.db.read(lambda s: message(s, city, subscription_id, notification_id))
    if found is None:
        return
    encrypted = webpush.encrypt(
        orjson.dumps(found.payload), found.p256dh, found.auth, standard=found.standard
    )
    headers = dict(encrypted.headers)
    if "Crypto-Key" in headers:  # the draft's apps read our VAPID key there too (as Mastodon's)
        headers["Crypto-Key"] += f";p256ecdsa={found.vapid.public_key}"
    headers |= {
        "Content-Type": "application/octet-stream",
        "TTL": str(TTL_SECONDS),
        "Urgency": URGENCY,
        "Authorization": webpush.vapid_authorization(
            found.vapid.private_key, found.endpoint, subject(city)
        ),
    }
    try:
        answer = await city.fediverse.client.post_unsigned(found.endpoint, encrypted.body, headers)
    except AddressRefused as exc:
        raise PermanentFailure(f"push endpoint refused: {exc}", code="refused") from exc
    except FetchError as exc:
        raise RetryLater(f"push service unreachable: {exc}", code="unreachable") from exc
    if 200 <= answer.status < 300:
        return
    if answer.status in (404, 410):
        log.info("push subscription %s gone (%s): removed", subscription_id, answer.status)
        await city.db.write(lambda s: push_subscriptions.drop(s, subscription_id))
        return
    if answer.status == 429 or answer.status >= 500:
        raise RetryLater(
            f"push service answered {answer.status}", answer.retry_after, code="unavailable"
        )
    raise PermanentFailure(
        f"push service answered {answer.status}: {answer.body_excerpt}", code="refused"
    )


HANDLERS: dict[str, JobHandler] = {push_subscriptions.SEND: send}
