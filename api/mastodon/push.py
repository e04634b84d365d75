"""`/api/v1/push/subscription`: an app's Web Push subscription (Mastodon's
WebPushSubscription), scope `push`.

One per access token: POST makes it (replacing the token's earlier one), GET reads it (404
`Record not found` without one), PUT changes its alerts and policy, DELETE removes it.
Parameters as Mastodon takes them, from a form (`subscription[endpoint]`,
`subscription[keys][p256dh]`, `subscription[keys][auth]`, `subscription[standard]`,
`data[alerts][mention]`..., `data[policy]`) or the same names nested in a JSON object.
The pushing itself is services/web_push.py.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import push_subscriptions
from exchange.errors import DomainError
from instance import sealed, vapid
from instance.city import city_of
from models import WebPushSubscription

from ..auth import bearer
from .common import is_json, json_object, mastodon_errors

SCOPE = "push"


def render(row: WebPushSubscription, server_key: str) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "endpoint": row.endpoint,
        "standard": row.standard,
        "alerts": push_subscriptions.alerts_from({}, row.alerts),
        "server_key": server_key,
        "policy": row.policy.value,
    }


def _flatten(value: Any, prefix: str, into: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(inner, f"{prefix}[{key}]" if prefix else str(key), into)
    else:
        into[prefix] = value


async def _fields(request: Request) -> dict[str, Any]:
    """The body as Mastodon's bracketed names: a form as sent, JSON objects flattened."""
    if is_json(request):
        found: dict[str, Any] = {}
        _flatten(await json_object(request), "", found)
        return found
    form = await request.form()
    return {k: v for k, v in form.multi_items() if isinstance(v, str)}


def _under(fields: dict[str, Any], prefix: str) -> dict[str, Any]:
    """`data[alerts][mention]` -> `mention` for the prefix `data[alerts]`."""
    head = prefix + "["
    return {
        key[len(head) : -1]: value
        for key, value in fields.items()
        if key.startswith(head) and key.endswith("]") and "[" not in key[len(head) : -1]
    }


def _policy(fields: dict[str, Any]) -> Any:
    return fields.get("data[policy]", fields.get("policy"))


def _token(request: Request) -> str:
    return request.headers.get("authorization", "").partition(" ")[2].strip()


async def _holder(request: Request) -> tuple[int, int]:
    """The token's id and its member's (an app's own token cannot subscribe: 422)."""
    found = await bearer(request, SCOPE)
    if found.member is None:
        raise DomainError("unprocessable", "This method requires an authenticated user", 422)
    return found.token_id, found.member.id


@mastodon_errors
async def create(request: Request) -> Response:
    city = city_of(request)
    token_id, member_id = await _holder(request)
    fields = await _fields(request)
    wanted = push_subscriptions.Wanted(
        endpoint=str(fields.get("subscription[endpoint]") or "").strip(),
        p256dh=str(fields.get("subscription[keys][p256dh]") or ""),
        auth=str(fields.get("subscription[keys][auth]") or ""),
        alerts=push_subscriptions.alerts_from(_under(fields, "data[alerts]")),
        policy=push_subscriptions.policy_from(_policy(fields)),
        standard=push_subscriptions.truth(
            fields.get("subscription[standard]", fields.get("standard", False))
        ),
    )
    sealed_token = sealed.seal(city.settings.secret_key, _token(request))
    allow_http = city.settings.federation.allow_loopback_http

    def work(session: Session) -> dict[str, Any]:
        row = push_subscriptions.subscribe(
            session,
            token_id,
            member_id,
            wanted,
            allow_http=allow_http,
            sealed_token=sealed_token,
        )
        return render(row, vapid.public_key(session))

    return JSONResponse(await city.db.write(work))


@mastodon_errors
async def show(request: Request) -> Response:
    city = city_of(request)
    token_id, _ = await _holder(request)

    def work(session: Session) -> dict[str, Any]:
        row = push_subscriptions.of_token(session, token_id)
        return render(row, vapid.public_key(session))

    return JSONResponse(await city.db.write(work))


@mastodon_errors
async def update(request: Request) -> Response:
    city = city_of(request)
    token_id, _ = await _holder(request)
    fields = await _fields(request)
    alerts = _under(fields, "data[alerts]")
    policy = _policy(fields)

    def work(session: Session) -> dict[str, Any]:
        row = push_subscriptions.change(session, token_id, alerts, policy)
        return render(row, vapid.public_key(session))

    return JSONResponse(await city.db.write(work))


@mastodon_errors
async def remove(request: Request) -> Response:
    """`{}` whether or not there was one, as Mastodon answers."""
    city = city_of(request)
    token_id, _ = await _holder(request)
    await city.db.write(lambda s: push_subscriptions.remove(s, token_id))
    return JSONResponse({})


def routes() -> list[Route]:
    return [
        Route("/api/v1/push/subscription", create, methods=["POST"]),
        Route("/api/v1/push/subscription", show, methods=["GET"]),
        Route("/api/v1/push/subscription", update, methods=["PUT"]),
        Route("/api/v1/push/subscription", remove, methods=["DELETE"]),
    ]
