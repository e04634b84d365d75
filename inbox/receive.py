"""POST to an inbox: check everything cheap first, verify, store, answer 202. Nothing else.

Order of the checks, each with its answer:
  body over the size limit          413
  not JSON / not an object          400
  no @context, id, type or actor    400
  sent to another host              401
  actor's or key's domain refused   403  (before any fetch of the key)
  signature missing or invalid      401  (with the reason)
  signer is not the activity actor  401
  addressed actor unknown           404
  stored (a duplicate id is a no-op) 202
Processing happens later, in the worker (`inbox.process`).
"""

from __future__ import annotations

import re

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from federation.errors import FetchError, SignatureError
from federation.httpsig import IncomingRequest, verify_request
from federation.vocab import id_of
from instance.city import city_of
from instance.policy import authority_of

from .writer import Received

_KEY_ID_RE = re.compile(r'keyid="([^"]+)"', re.IGNORECASE)


class BodyTooLarge(Exception):
    pass


def _refuse(status: int, reason: str) -> Response:
    return JSONResponse({"error": reason}, status_code=status)


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _incoming(request: Request, body: bytes) -> IncomingRequest:
    scope = request.scope
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return IncomingRequest(
        method=scope["method"],
        path=scope.get("raw_path", scope["path"].encode()).decode("latin-1").split("?", 1)[0],
        query=scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
        body=body,
        authority=headers.get("host", ""),
        scheme=scope.get("scheme", "https"),
    )


async def receive(request: Request) -> Response:
    city = city_of(request)
    federation = city.fediverse
    settings = city.settings
    try:
        body = await _read_body(request, settings.federation.max_body_bytes)
    except BodyTooLarge:
        return _refuse(413, f"body larger than {settings.federation.max_body_bytes} bytes")
    try:
        activity = orjson.loads(body)
    except orjson.JSONDecodeError:
        return _refuse(400, "body is not valid JSON")
    if not isinstance(activity, dict):
        return _refuse(400, "body is not a JSON object")
    if "@context" not in activity:
        return _refuse(400, "activity has no @context")
    activity_id, kind, actor = activity.get("id"), activity.get("type"), id_of(activity.get("actor"))
    if not isinstance(activity_id, str) or not activity_id.startswith(("https://", "http://")):
        return _refuse(400, "activity has no id")
    if not isinstance(kind, str) or not actor:
        return _refuse(400, "activity has no type or no actor")

    incoming = _incoming(request, body)
    if authority_of(incoming.authority) not in federation.own_authorities:
        return _refuse(401, "request was addressed to another host")

    policy = await federation.policy.current()
    key_match = _KEY_ID_RE.search(incoming.headers.get("signature", "") or incoming.headers.get("signature-input", ""))
    for url in (actor, key_match.group(1) if key_match else actor):
        verdict = policy.verdict(url)
        if not verdict.allowed:
            return _refuse(403, verdict.reason)

    try:
        signer = await verify_request(
            incoming,
            federation.directory.key,
            window_seconds=settings.federation.signature_window_seconds,
        )
    except SignatureError as exc:
        return _refuse(401, exc.reason)
    except FetchError as exc:
        return _refuse(401, f"could not fetch the signing key: {exc}")
    if signer.owner != actor:
        return _refuse(401, f"signed by {signer.owner}, not by the activity's actor {actor}")

    recipient = request.path_params.get("username")
    if recipient is not None:
        exists = await city.db.read(lambda s: federation.actors.exists(s, city.urls.member(recipient)))
        if not exists:
            return _refuse(404, f"no member {recipient!r} here")

    await request.app.state.inbox_writer.store(
        Received(uri=activity_id, type=kind[:60], actor=actor, signed_by=signer.key_id, body=body.decode())
    )
    return Response(status_code=202)
