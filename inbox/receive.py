"""POST to an inbox: check everything cheap first, verify, store, answer 202. Nothing else.

Order of the checks, each with its answer:
  over 100 headers or 16 KiB of them 431
  not a JSON or ActivityStreams type 415
  body over the size limit           413
  not JSON / not an object           400
  no @context, id, type or actor     400  (top-level keys only: `inbox.envelope`)
  sent to another host               401
  actor's or key's domain refused    403  (before any fetch of the key)
  key not on the actor's host        401  (before any fetch of the key)
  the actor is suspended here        403  (before any fetch of the key)
  signature missing or invalid       401  (with the reason)
  signer is not the activity actor   401
  addressed member unknown           404
  stored (a duplicate id is a no-op) 202
  a batch of an instance actor (a Collection of its activities, `inbox.batch`): each item
  an activity by that actor with an id on its host, else 400 (nothing applied); each item
  then applied or stored as it would have been alone
A partner city's settlement activity is applied before the answer, in the transaction that
stores it (`inbox.inline`); any other activity, or one that could not be applied, is stored
for the worker.
Nothing before the signature costs more than reading the body and parsing it as JSON: no
JSON-LD, no walk over the document. Processing, JSON-LD normalisation included, happens later
in the worker (`inbox.process`), for verified activities only (settlement activities of a
partner city: after the checks, in the request).

This is the hottest path of the server, so it is a plain ASGI app that `InboxShortcut` calls
before the session, exception and routing layers (which it has no use for): about a quarter
of the CPU of a request went to those layers (bench/inbox.py).
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from federation.authority import authority_of
from federation.errors import FetchError, SignatureError
from federation.httpsig import IncomingRequest, read_signature, verify_request
from instance.city import City

from .batch import BatchError, is_batch, receive_batch
from .envelope import EnvelopeError, read_envelope
from .inline import apply_at_once
from .writer import InboxWriter, Received

_MEMBER_INBOX_RE = re.compile(r"^/users/([^/]+)/inbox$")
#: a discussion space's Group (FEP-1b12): remote residents' Follows and replies land here
_GROUP_INBOX_RE = re.compile(r"^/discussions/([^/]+)/inbox$")
INBOX_PATHS = frozenset({"/inbox", "/market/inbox", "/actor/inbox"})
#: Media types of an activity (`application/ld+json` with or without its profile parameter).
ACTIVITY_MEDIA_TYPES = frozenset(
    {"application/activity+json", "application/ld+json", "application/json"}
)
MAX_HEADERS = 100
MAX_HEADER_BYTES = 16 * 1024


class Refusal(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def is_inbox(path: str) -> bool:
    return (
        path in INBOX_PATHS
        or _MEMBER_INBOX_RE.match(path) is not None
        or _GROUP_INBOX_RE.match(path) is not None
    )


async def _read_body(receive: Receive, declared: str | None, limit: int) -> bytes:
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Refusal(413, f"body larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Refusal(400, "client disconnected")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise Refusal(413, f"body larger than {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _headers(scope: Scope) -> dict[str, str]:
    raw = scope["headers"]
    if len(raw) > MAX_HEADERS:
        raise Refusal(431, f"more than {MAX_HEADERS} request headers")
    headers: dict[str, str] = {}
    size = 0  # counted in the same pass that decodes them (at most 100 headers, see above)
    for raw_name, raw_value in raw:
        size += len(raw_name) + len(raw_value)
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    if size > MAX_HEADER_BYTES:
        raise Refusal(431, f"request headers larger than {MAX_HEADER_BYTES} bytes")
    return headers


def _check_content_type(headers: dict[str, str]) -> None:
    media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in ACTIVITY_MEDIA_TYPES:
        raise Refusal(
            415,
            "Content-Type must be application/activity+json, application/ld+json "
            "or application/json",
        )


def _parse(body: bytes) -> tuple[dict[str, Any], tuple[str, str, str]]:
    """The activity and its (id, type, actor), read cheaply: this runs before anyone is
    authenticated."""
    try:
        activity = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise Refusal(400, "body is not valid JSON") from None
    if not isinstance(activity, dict):
        raise Refusal(400, "body is not a JSON object")
    if "@context" not in activity:
        raise Refusal(400, "activity has no @context")
    try:
        return activity, read_envelope(activity)
    except EnvelopeError as exc:
        raise Refusal(400, str(exc)) from None


async def accept(city: City, writer: InboxWriter, scope: Scope, receive: Receive) -> None:
    """Run every check and store the activity; raises Refusal with the answer otherwise."""
    fediverse, settings = city.fediverse, city.settings
    headers = _headers(scope)
    _check_content_type(headers)
    body = await _read_body(
        receive, headers.get("content-length"), settings.federation.max_body_bytes
    )
    activity, (activity_id, kind, actor) = _parse(body)

    authority = headers.get("host", "")
    if authority_of(authority) not in fediverse.own_authorities:
        raise Refusal(401, "request was addressed to another host")
    policy = await fediverse.policy.current()
    signature = read_signature(headers)  # parsed once: verification reuses it
    key_id = signature.key_id or actor
    for url in (actor, key_id):
        verdict = policy.verdict(url)
        if not verdict.allowed:
            raise Refusal(403, verdict.reason)
    if authority_of(key_id) != authority_of(actor):  # its owner could not be the actor: no fetch
        raise Refusal(401, f"key {key_id} is not on the host of the activity's actor {actor}")
    if policy.actor_suspended(actor):
        raise Refusal(403, f"{actor} is suspended here")

    incoming = IncomingRequest(
        method="POST",
        path=scope.get("raw_path", scope["path"].encode()).decode("latin-1").split("?", 1)[0],
        query=scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
        body=body,
        authority=authority,
        scheme=scope.get("scheme", "https"),
    )
    try:
        signer = await verify_request(
            incoming,
            fediverse.directory.key,
            window_seconds=settings.federation.signature_window_seconds,
            signature=signature,
        )
    except SignatureError as exc:
        raise Refusal(401, exc.reason) from None
    except FetchError as exc:
        raise Refusal(401, f"could not fetch the signing key: {exc}") from None
    if signer.owner != actor:
        raise Refusal(401, f"signed by {signer.owner}, not by the activity's actor {actor}")

    member = _MEMBER_INBOX_RE.match(scope["path"])
    if member is not None:
        recipient = city.urls.member(member.group(1))
        if not await city.db.read(lambda s: fediverse.actors.exists(s, recipient)):
            raise Refusal(404, f"no member {member.group(1)!r} here")

    if is_batch(kind, actor, activity):  # a partner city's messages in one POST (inbox/batch.py)
        try:
            await receive_batch(city, writer, activity, actor, signer.key_id)
        except BatchError as exc:
            raise Refusal(400, str(exc)) from None
        return

    received = Received(
        uri=activity_id,
        type=kind[:60],
        actor=actor,
        signed_by=signer.key_id,
        body=body.decode(),
    )
    # a partner city's settlement activity is applied now, its row stored in the same
    # transaction; if it cannot be, it is stored for the worker like any other (inbox/inline.py)
    if await apply_at_once(city, received, activity):
        return
    await writer.store(received)


async def _answer(
    send: Send, status: int, body: bytes = b"", content_type: bytes = b"application/json"
) -> None:
    headers: list[tuple[bytes, bytes]] = [(b"content-length", str(len(body)).encode())]
    if body:
        headers.append((b"content-type", content_type))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class InboxShortcut:
    """ASGI middleware: POSTs to an inbox go straight to `accept`; everything else passes on."""

    def __init__(self, app: ASGIApp, city: City, writer: InboxWriter) -> None:
        self.app = app
        self.city = city
        self.writer = writer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not is_inbox(scope["path"]):
            await self.app(scope, receive, send)
            return
        try:
            await accept(self.city, self.writer, scope, receive)
        except Refusal as refusal:
            await _answer(send, refusal.status, orjson.dumps({"error": refusal.reason}))
            return
        await _answer(send, 202)
