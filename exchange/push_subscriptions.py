"""Web Push subscriptions: an app asks to be told of its member's notifications at a push
service's endpoint (Mastodon's `/api/v1/push/subscription`).

The rules: one subscription per access token (a new one replaces the old, as on Mastodon);
the endpoint is an https URL (plain http only where the city runs on loopback for tests);
the device's keys are a P-256 point and a 16-byte secret, checked here so that nothing is
stored that could never be encrypted to. Which notifications are pushed: the alert of its
Mastodon type must be on and the policy must let its author through. The alert is read when
the notification is written (`queue_pushes`, in its transaction, so nothing is pushed of a
rolled-back change); the policy's follow check when it is sent (services/web_push.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import bindparam, delete, exists, select
from sqlalchemy.orm import Session

from federation import webpush
from instance import queue
from instance.database import memo
from models import (
    Direction,
    Follow,
    FollowState,
    PushPolicy,
    WebPushSubscription,
    utcnow,
)

from .errors import DomainError, NotFound

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping


#: Mastodon 4.3's alert names, in its order
ALERTS = (
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "admin.sign_up",
    "admin.report",
)
#: the job that pushes one notification to one subscription (services/web_push.py)
SEND = "push.send"
#: a push service down for a day is as good as gone: the notification is old news by then
ATTEMPTS = 8
MAX_ENDPOINT = 2000


@dataclass(frozen=True)
class Wanted:
    """A subscription as an app asks for it."""

    endpoint: str
    p256dh: str
    auth: str
    alerts: dict[str, bool]
    policy: PushPolicy
    standard: bool


def _refused(message: str) -> DomainError:
    return DomainError("invalid_subscription", message, 422)


def check_endpoint(endpoint: str, *, allow_http: bool) -> None:
    """An absolute https URL (http too when `allow_http`, the loopback test setting)."""
    if not endpoint or len(endpoint) > MAX_ENDPOINT:
        raise _refused("subscription[endpoint] is missing or too long")
    parts = urlsplit(endpoint)
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise _refused("subscription[endpoint] must be an https URL")


def check(wanted: Wanted, *, allow_http: bool) -> None:
    """DomainError 422 for an endpoint or keys that cannot be pushed to."""
    check_endpoint(wanted.endpoint, allow_http=allow_http)
    try:
        webpush.device_keys(wanted.p256dh, wanted.auth)
    except ValueError as exc:
        raise _refused(str(exc)) from None


def alerts_from(values: Mapping[str, Any], current: Mapping[str, bool] | None = None) -> dict:
    """Every alert, each from `values` when sent (true, "true", "1"...), else as it was (off
    for a new subscription, as on Mastodon)."""
    found: dict[str, bool] = {}
    for name in ALERTS:
        if name in values:
            found[name] = truth(values[name])
        else:
            found[name] = bool((current or {}).get(name, False))
    return found


def truth(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "on", "yes", "t")


def policy_from(value: Any, default: PushPolicy = PushPolicy.all) -> PushPolicy:
    if value is None or value == "":
        return default
    try:
        return PushPolicy(str(value))
    except ValueError:
        raise _refused("policy must be all, followed, follower or none") from None


def subscribe(
    session: Session,
    token_id: int,
    member_id: int,
    wanted: Wanted,
    *,
    allow_http: bool,
    sealed_token: str | None,
) -> WebPushSubscription:
    """The token's subscription, replacing the one it had."""
    check(wanted, allow_http=allow_http)
    session.execute(delete(WebPushSubscription).where(WebPushSubscription.token_id == token_id))
    row = WebPushSubscription(
        token_id=token_id,
        member_id=member_id,
        endpoint=wanted.endpoint,
        key_p256dh=wanted.p256dh.strip(),
        key_auth=wanted.auth.strip(),
        alerts=wanted.alerts,
        policy=wanted.policy,
        standard=wanted.standard,
        sealed_token=sealed_token,
    )
    session.add(row)
    session.flush()
    return row


def of_token(session: Session, token_id: int) -> WebPushSubscription:
    """The token's subscription; NotFound when it has none."""
    row = session.scalar(
        select(WebPushSubscription).where(WebPushSubscription.token_id == token_id)
    )
    if row is None:
        raise NotFound("push subscription")
    return row


def change(
    session: Session, token_id: int, alerts: Mapping[str, Any], policy: Any
) -> WebPushSubscription:
    """New alerts (those not sent stay as they were) and policy; NotFound without one."""
    row = of_token(session, token_id)
    row.alerts = alerts_from(alerts, row.alerts)
    row.policy = policy_from(policy, row.policy)
    row.updated_at = utcnow()
    session.flush()
    return row


def remove(session: Session, token_id: int) -> None:
    session.execute(delete(WebPushSubscription).where(WebPushSubscription.token_id == token_id))


def remove_of_tokens(session: Session, token_ids: Iterable[int]) -> None:
    """Revoked tokens take their subscriptions with them."""
    ids = list(token_ids)
    if ids:
        session.execute(delete(WebPushSubscription).where(WebPushSubscription.token_id.in_(ids)))


def drop(session: Session, subscription_id: int) -> None:
    """The push service said the subscription is gone (404, 410)."""
    session.execute(delete(WebPushSubscription).where(WebPushSubscription.id == subscription_id))


_WANTING = select(
    WebPushSubscription.id, WebPushSubscription.alerts, WebPushSubscription.policy
).where(WebPushSubscription.member_id == bindparam("member"))


def queue_pushes(
    session: Session, member_id: int, notification_id: int, mastodon_type: str
) -> None:
    """Queue one push job per subscription of the member whose alert for this type is on and
    whose policy is not `none`. One indexed read when the member has no subscription (most),
    once per member and transaction (a batch of settlements tells the same members)."""
    rows = memo(
        session,
        ("push subscriptions", member_id),
        lambda: session.execute(_WANTING, {"member": member_id}).all(),
    )
    wanting = [
        sid
        for sid, alerts, policy in rows
        if policy is not PushPolicy.none and (alerts or {}).get(mastodon_type)
    ]
    if not wanting:
        return
    queue.enqueue_many(
        session,
        [
            {
                "kind": SEND,
                "payload": {"subscription": sid, "notification": notification_id},
                "max_attempts": ATTEMPTS,
            }
            for sid in wanting
        ],
    )


def policy_allows(
    session: Session, policy: PushPolicy, member_actor: str, remote_actor_id: int | None
) -> bool:
    """Whether the author of a notification passes the policy: `followed` needs the member
    to follow them, `follower` them to follow the member (accepted follows); a notification
    with no remote author (negotiation news, listing news) passes only `all`."""
    if policy is PushPolicy.all:
        return True
    if policy is PushPolicy.none or remote_actor_id is None:
        return False
    direction = Direction.outbound if policy is PushPolicy.followed else Direction.inbound
    return bool(
        session.scalar(
            select(
                exists().where(
                    Follow.local_actor == member_actor,
                    Follow.remote_actor_id == remote_actor_id,
                    Follow.direction == direction,
                    Follow.state == FollowState.accepted,
                )
            )
        )
    )
