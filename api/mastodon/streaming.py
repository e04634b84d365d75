"""`/api/v1/streaming`: new statuses and notifications pushed to apps, over Server-Sent
Events (`GET /api/v1/streaming/user`, `/public`, `/public/local`, `/public/remote`,
`/user/notification`, `/list?list=ID`, `/hashtag?tag=x`, `/hashtag/local?tag=x`) and over a
WebSocket (`/api/v1/streaming?stream=...`, then `{"type": "subscribe"|"unsubscribe",
"stream": ..., "list": ID, "tag": x}` messages), as
Mastodon's streaming server speaks them: events `update` (a Status), `status.update` (a
Status edited), `delete` (the id of a status removed), `notification` (a Notification)
and, on the `direct` stream, `conversation` (a direct conversation that got a message,
or a negotiation thread that moved: an offer, an answer, a message; `conversations.py`),
and, on the `user` stream, `announcement` / `announcement.delete` (an announcement published
or taken down; `announcements.py`) and `announcement.reaction` (`{"name", "count",
"announcement_id"}`: an emoji chosen or taken back by anyone, read from the reactions'
journal by id), each payload a string (JSON, or the bare id for `delete` and
`announcement.delete`).

How it works with several web processes: each connection polls the database, not an
in-process bus, so a status stored by any process (a web process, the worker storing what
another city sent) reaches every stream. Every `POLL_SECONDS` it reads what is newer than
what it last sent, by id, in the same queries as the timelines (`exchange.statuses.home`,
`public`, `list_page`, with `min_id`: the oldest first, none skipped however many
arrived) and the member's notifications by id, and the status journal (`status_events`,
written with every removal and edit: exchange/status_events.py) by id. Negotiation
threads are read by the time they last moved (`updated_at`), not by id: a thread changes
without a new row when an offer is accepted or rejected.
docs/ARCHITECTURE.md has the choice and its cost.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from exchange import (
    announcements,
    member_lists,
    notifications,
    oauth_scopes,
    oauth_tokens,
    status_events,
    statuses,
    tag_timeline,
)
from exchange.errors import DomainError, NotFound
from exchange.statuses import Paging, Viewer
from exchange.tag_timeline import TagFilter
from instance.city import City
from models import (
    Announcement,
    AnnouncementState,
    Member,
    Notification,
    Status,
    StatusEventKind,
    utcnow,
)
from models.hashtag import normalize

from . import announcements as announcement_entities
from . import conversations as direct_conversations
from . import entities
from .common import mastodon_errors
from .notifications import filtered as filter_notifications
from .notifications import render as render_notification

#: how often a connection looks for new statuses and notifications
POLL_SECONDS = 1.0
#: an SSE comment this often keeps proxies from closing an idle stream
HEARTBEAT_SECONDS = 15.0
#: the streams Comptoir serves, by Mastodon's names
STREAMS = ("user", "user:notification", "direct", "public", "public:local", "public:remote")
#: the streams that are a member's own (a member's token needed)
MEMBER_STREAMS = ("user", "user:notification", "direct")
#: a list's stream is named `list:ID` here, `["list", "ID"]` in a WebSocket event
LIST_PREFIX = "list:"
#: a hashtag's streams are `hashtag:#TAG` and `hashtag:local:#TAG` here (the `#` keeps a tag
#: named "local" apart), `["hashtag", "TAG"]` and `["hashtag:local", "TAG"]` in an event
HASHTAG_STREAMS = ("hashtag", "hashtag:local")
SCOPE = "read:statuses"


class TokenRevoked(Exception):
    """The stream's token is no longer live: the connection ends (Mastodon's streaming
    server drops a revoked token's connections too)."""


@dataclass
class Listener:
    """One connection: who listens, to which streams, and the last ids sent."""

    city: City
    viewer: Viewer
    streams: set[str] = field(default_factory=set)
    #: the token the connection was opened with (None: no token, a public stream)
    token_id: int | None = None
    last_status: int = 0
    last_notification: int = 0
    last_change: int = 0
    last_direct: int = 0
    #: negotiation threads are not rows that grow: a thread moves (its `updated_at`)
    last_thread_at: datetime = datetime.min.replace(tzinfo=UTC)
    #: nor are announcements: one is published and unpublished (its `updated_at`)
    last_announcement_at: datetime = datetime.min.replace(tzinfo=UTC)
    #: the reactions' journal is read by id
    last_reaction: int = 0

    async def start(self) -> None:
        """Only what arrives from now on is sent."""
        member = self.viewer.member

        def read(session: Session) -> tuple[int, int, int, datetime, datetime, int]:
            return (
                session.scalar(select(func.max(Status.id))) or 0,
                session.scalar(select(func.max(Notification.id))) or 0,
                status_events.latest(session),
                direct_conversations.thread_activity_start(session, member)
                if member is not None
                else self.last_thread_at,
                session.scalar(select(func.max(Announcement.updated_at)))
                or self.last_announcement_at,
                announcements.latest_reaction_change(session),
            )

        (
            self.last_status,
            self.last_notification,
            self.last_change,
            self.last_thread_at,
            self.last_announcement_at,
            self.last_reaction,
        ) = await self.city.db.read(read)

    async def events(self) -> list[tuple[str, str, str]]:
        """(stream, event, payload) of what is new since the last call. The ids sent move
        on only for what was looked at, so a stream subscribed a moment after connecting
        still gets what arrived in between. Raises TokenRevoked when the connection's token
        was revoked, or its member suspended, since the last call."""
        city, viewer = self.city, self.viewer
        policy = await city.fediverse.policy.current()
        wanted = set(self.streams)

        def read(session: Session) -> tuple[list[tuple[str, str, str]], int, int]:
            if self.token_id is not None and not oauth_tokens.still_live(session, self.token_id):
                raise TokenRevoked
            found: list[tuple[str, str, str]] = []
            if viewer.member is not None:
                _refresh_shape(session, viewer.member)
            found_changes, self.last_change = self._changes(session, wanted, policy)
            if "direct" in wanted and viewer.member is not None:
                changed, self.last_direct = direct_conversations.changed_since(
                    session, city, viewer.member, self.last_direct
                )
                found.extend(("direct", "conversation", orjson.dumps(c).decode()) for c in changed)
                threads, self.last_thread_at = direct_conversations.threads_active_since(
                    session, city, viewer.member, self.last_thread_at
                )
                found.extend(("direct", "conversation", orjson.dumps(c).decode()) for c in threads)
            if "user" in wanted and viewer.member is not None:
                found.extend(self._announcements(session, viewer.member))
                found.extend(self._reactions(session))
            page = Paging(min_id=self.last_status, limit=statuses.MAX_LIMIT)
            top_status, top_notification = self.last_status, self.last_notification
            for stream in sorted(wanted):
                if stream == "user":
                    ids = statuses.home(session, viewer, page)
                elif stream.startswith(LIST_PREFIX):
                    ids = _list_page(session, viewer, stream, page)
                elif _hashtag_of(stream) is not None:
                    ids = _tag_page(session, viewer, stream, page, policy)
                elif stream.startswith("public"):
                    ids = statuses.public(
                        session,
                        viewer,
                        page,
                        local=stream == "public:local",
                        remote=stream == "public:remote",
                        silenced=lambda d: policy.verdict(d).silenced,
                        refused=lambda d: not policy.allows(d),
                    )
                else:
                    continue
                ids = sorted(ids)
                context = "public" if stream.startswith(("public", "hashtag")) else "home"
                for shown in entities.statuses(session, city, ids, viewer.member, context=context):
                    found.append((stream, "update", orjson.dumps(shown).decode()))
                top_status = max([top_status, *ids])
            member = viewer.member
            if member is not None and wanted & {"user", "user:notification"}:
                rows = session.scalars(
                    select(Notification)
                    .where(
                        Notification.member_id == member.id,
                        Notification.id > self.last_notification,
                    )
                    .order_by(Notification.id)
                    .limit(statuses.MAX_LIMIT)
                )
                name = "user" if "user" in wanted else "user:notification"
                new = list(rows)
                # those from accounts the member blocks or mutes are passed over, not sent
                told = _shown_notifications(session, member, [row.id for row in new])
                for row in new:
                    top_notification = max(top_notification, row.id)
                    if row.id in told:
                        shown = render_notification(session, city, member, row)
                        if not filter_notifications(session, member, [shown]):
                            continue
                        found.append((name, "notification", orjson.dumps(shown).decode()))
            return found + found_changes, top_status, top_notification

        found, self.last_status, self.last_notification = await city.db.read(read)
        return found

    def _announcements(self, session: Session, member: Member) -> list[tuple[str, str, str]]:
        """`announcement` (the entity, as the member sees it) for each announcement
        published since the last call, `announcement.delete` (its id) for each taken down,
        on the user stream, as Mastodon sends them. Read by the time each last changed."""
        changed = announcements.changed_since(session, self.last_announcement_at)
        if not changed:
            return []
        self.last_announcement_at = max(row.updated_at for row in changed)
        found: list[tuple[str, str, str]] = []
        shown = [row for row in changed if announcements.is_shown(row)]
        entities_of = {
            int(entity["id"]): entity
            for entity in announcement_entities.rendered(session, member, shown)
        }
        for row in changed:
            if row.id in entities_of:
                payload = orjson.dumps(entities_of[row.id]).decode()
                found.append(("user", "announcement", payload))
            elif row.state is AnnouncementState.unpublished:
                found.append(("user", "announcement.delete", str(row.id)))
        return found

    def _reactions(self, session: Session) -> list[tuple[str, str, str]]:
        """`announcement.reaction` for each emoji chosen or taken back on a shown
        announcement since the last call, by anyone, with its count now, as Mastodon sends
        it to every member's user stream."""
        changes, self.last_reaction = announcements.reaction_changes(
            session, self.last_reaction, statuses.MAX_LIMIT
        )
        return [
            (
                "user",
                "announcement.reaction",
                orjson.dumps(
                    {"name": c.name, "count": c.count, "announcement_id": str(c.announcement_id)}
                ).decode(),
            )
            for c in changes
        ]

    def _changes(
        self, session: Session, wanted: set[str], policy: Any
    ) -> tuple[list[tuple[str, str, str]], int]:
        """`status.update` and `delete` events of the statuses edited or removed since the
        last call, for the streams that showed (or would show) them."""
        found: list[tuple[str, str, str]] = []
        viewer, member = self.viewer, self.viewer.member
        changes = status_events.since(session, self.last_change, statuses.MAX_LIMIT)
        lists = {s for s in wanted if s.startswith(LIST_PREFIX)}
        tags = {s for s in wanted if _hashtag_of(s) is not None}
        for change in changes:
            sid = change.status_id
            for stream in sorted(
                wanted & {"user", "public", "public:local", "public:remote"} | lists | tags
            ):
                local, remote = stream == "public:local", stream == "public:remote"
                if change.kind is StatusEventKind.delete:
                    # a list's accounts are followed ones: what home could have shown
                    if stream in tags:
                        name, on_local = _hashtag_of(stream)  # type: ignore[misc]
                        shown = status_events.was_tagged(session, sid, name, local=on_local)
                    elif stream == "user" or stream in lists:
                        assert member is not None and viewer.uri is not None
                        shown = status_events.was_at_home(session, member, viewer.uri, sid)
                    else:
                        shown = status_events.was_public(session, sid, local=local, remote=remote)
                    if shown:
                        found.append((stream, "delete", str(sid)))
                    continue
                one = Paging(since_id=sid - 1, max_id=sid + 1, limit=1)
                if stream == "user":
                    ids = statuses.home(session, viewer, one)
                elif stream in lists:
                    ids = _list_page(session, viewer, stream, one)
                elif stream in tags:
                    ids = _tag_page(session, viewer, stream, one, policy)
                else:
                    ids = statuses.public(
                        session,
                        viewer,
                        one,
                        local=local,
                        remote=remote,
                        silenced=lambda d: policy.verdict(d).silenced,
                        refused=lambda d: not policy.allows(d),
                    )
                context = "public" if stream.startswith(("public", "hashtag")) else "home"
                for status in entities.statuses(session, self.city, ids, member, context=context):
                    found.append((stream, "status.update", orjson.dumps(status).decode()))
        return found, changes[-1].event_id if changes else self.last_change


def _refresh_shape(session: Session, member: Member) -> None:
    """The member's counts that pick the timelines' statements (`followed_hashtags`,
    `blocked_domains`), read again each poll: the member was read when the stream opened,
    and a hashtag followed or a domain blocked since must show in what it sends."""
    counts = session.execute(
        select(Member.followed_hashtags, Member.blocked_domains, Member.status_filters).where(
            Member.id == member.id
        )
    ).one_or_none()
    if counts is not None:
        member.followed_hashtags, member.blocked_domains = counts[0], counts[1]
        member.status_filters = counts[2]


def _shown_notifications(session: Session, member: Member, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    return set(
        session.scalars(
            select(Notification.id).where(
                Notification.id.in_(ids),
                notifications.shown(member.id, utcnow(), domains=member.blocked_domains > 0),
            )
        )
    )


def hashtag_stream(stream: str, tag: object) -> str | None:
    """The name of the `hashtag` or `hashtag:local` stream of `tag` (None: no hashtag)."""
    name = normalize(tag) if isinstance(tag, str) else None
    if stream not in HASHTAG_STREAMS or name is None:
        return None
    return f"{stream}:#{name}"


def _hashtag_of(stream: str) -> tuple[str, bool] | None:
    """(tag, local only) of a hashtag stream's name; None for another stream."""
    kind, mark, name = stream.partition(":#")
    if not mark or kind not in HASHTAG_STREAMS:
        return None
    return name, kind == "hashtag:local"


def _tag_page(
    session: Session, viewer: Viewer, stream: str, page: Paging, policy: Any
) -> list[int]:
    """A page of the tag timeline of a hashtag stream (exchange/tag_timeline.py)."""
    name, local = _hashtag_of(stream)  # type: ignore[misc]
    return tag_timeline.tagged(
        session,
        viewer,
        page,
        TagFilter(name, local=local),
        silenced=lambda d: policy.verdict(d).silenced,
        refused=lambda d: not policy.allows(d),
    )


def _list_page(session: Session, viewer: Viewer, stream: str, page: Paging) -> list[int]:
    """A page of the list of `stream` (`list:ID`); none once the list is deleted."""
    assert viewer.member is not None
    try:
        found = member_lists.find(session, viewer.member.id, int(stream[len(LIST_PREFIX) :]))
    except NotFound:
        return []
    return statuses.list_page(session, viewer, found, page)


async def _list_stream(city: City, viewer: Viewer, list_id: object) -> str:
    """`list:ID` for a list of the viewer's; refused (401, as Mastodon's "Not authorized to
    stream this list") for anyone else's, an unknown one or no member."""
    member = viewer.member
    value = str(list_id or "")
    if member is None or not value.isdigit() or len(value) > 9:
        raise DomainError("list_refused", "Not authorized to stream this list", 401)
    try:
        await city.db.read(lambda s: member_lists.find(s, member.id, int(value)))
    except NotFound:
        raise DomainError("list_refused", "Not authorized to stream this list", 401) from None
    return f"{LIST_PREFIX}{int(value)}"


def _stream_field(stream: str) -> list[str]:
    """The `stream` of a WebSocket event: `["list", "ID"]` for a list, `[name]` otherwise."""
    if stream.startswith(LIST_PREFIX):
        return ["list", stream[len(LIST_PREFIX) :]]
    tagged = _hashtag_of(stream)
    if tagged is not None:
        return [stream.partition(":#")[0], tagged[0]]
    return [stream]


async def _viewer(
    connection: HTTPConnection, city: City, *, required: bool
) -> tuple[Viewer, int | None]:
    """The member of the token sent as `Authorization: Bearer`, `access_token` or the
    WebSocket protocol header (as Mastodon takes it); nobody when none is sent and the
    stream is public. With the token's id, which the connection checks on each poll."""
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    token = (
        token.strip()
        if scheme.lower() == "bearer"
        else connection.query_params.get("access_token")
        or connection.headers.get("sec-websocket-protocol", "")
    ).strip()
    if not token:
        if required:
            raise DomainError("unauthorized", "Missing access token", 401)
        return Viewer(None, None), None
    found = await city.db.read(lambda s: oauth_tokens.bearer(s, token))
    if not oauth_scopes.covers(found.scopes, SCOPE):
        raise DomainError("outside_scopes", "This action is outside the authorized scopes", 403)
    member: Member | None = found.member
    if member is None:
        if required:
            raise DomainError("unprocessable", "This method requires an authenticated user", 422)
        return Viewer(None, None), found.token_id
    return Viewer(member, city.urls.member(member.username)), found.token_id


def _sse(stream: str) -> Any:
    @mastodon_errors
    async def endpoint(request: Request) -> Response:
        city: City = request.app.state.city
        member_only = stream in MEMBER_STREAMS or stream == "list"
        viewer, token_id = await _viewer(request, city, required=member_only)
        name = stream
        if stream == "list":
            name = await _list_stream(city, viewer, request.query_params.get("list"))
        elif stream in HASHTAG_STREAMS:
            found = hashtag_stream(stream, request.query_params.get("tag"))
            if found is None:  # Mastodon's streaming server answers 400, not our 422
                return JSONResponse({"error": "No tag for stream provided"}, 400)
            name = found
        listener = Listener(city, viewer, {name}, token_id=token_id)
        await listener.start()
        return StreamingResponse(
            _sse_body(request, listener),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    return endpoint


async def _sse_body(request: Request, listener: Listener) -> AsyncIterator[bytes]:
    yield b":)\n\n"
    quiet = 0.0
    while not await request.is_disconnected():
        try:
            events = await listener.events()
        except TokenRevoked:
            return
        for _, event, payload in events:
            yield f"event: {event}\ndata: {payload}\n\n".encode()
        quiet = 0.0 if events else quiet + POLL_SECONDS
        if quiet >= HEARTBEAT_SECONDS:
            yield b":thump\n\n"
            quiet = 0.0
        await asyncio.sleep(POLL_SECONDS)


def _stream_name(message: dict[str, Any]) -> str | None:
    name = message.get("stream")
    if not isinstance(name, str):
        return None
    if name in ("public", "hashtag") and message.get("local") in (True, "true"):
        name = f"{name}:local"
    if name in HASHTAG_STREAMS:
        return hashtag_stream(name, message.get("tag"))
    return name if name in STREAMS else None


async def websocket(ws: WebSocket) -> None:
    city: City = ws.app.state.city
    asked = ws.query_params.get("stream")
    first = asked if asked in STREAMS else None
    if asked in HASHTAG_STREAMS:
        first = hashtag_stream(asked, ws.query_params.get("tag"))
    try:
        viewer, token_id = await _viewer(
            ws, city, required=asked in MEMBER_STREAMS or asked == "list"
        )
        if asked == "list":
            first = await _list_stream(city, viewer, ws.query_params.get("list"))
    except DomainError:
        await ws.close(code=1008)
        return
    listener = Listener(city, viewer, token_id=token_id)
    if first is not None:
        listener.streams.add(first)
    # before the handshake completes: what the app writes once connected is after the start
    await listener.start()
    protocol = ws.headers.get("sec-websocket-protocol") or None
    await ws.accept(subprotocol=protocol)
    reader = asyncio.create_task(_read_subscriptions(ws, listener))
    try:
        while not reader.done():
            for stream, event, payload in await listener.events():
                message = {"stream": _stream_field(stream), "event": event, "payload": payload}
                await ws.send_text(orjson.dumps(message).decode())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(reader), POLL_SECONDS)
    except TokenRevoked:
        await ws.close(code=1008)  # policy violation: the token no longer holds
    except WebSocketDisconnect:
        pass
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
            await reader


async def _read_subscriptions(ws: WebSocket, listener: Listener) -> None:
    """`subscribe` and `unsubscribe` messages; a `user` stream needs a member's token, a
    `list` stream (`"list": ID`) one of the member's lists."""
    while True:
        try:
            message = orjson.loads(await ws.receive_text())
        except WebSocketDisconnect:
            return
        except orjson.JSONDecodeError:
            continue
        if not isinstance(message, dict):
            continue
        name = _stream_name(message)
        if message.get("stream") == "list" and message.get("type") == "unsubscribe":
            name = f"{LIST_PREFIX}{message.get('list')}"
        elif message.get("stream") == "list":
            try:
                name = await _list_stream(listener.city, listener.viewer, message.get("list"))
            except DomainError as exc:
                await ws.send_text(orjson.dumps({"error": exc.message, "status": 401}).decode())
                continue
        if name is None or (name in MEMBER_STREAMS and listener.viewer.member is None):
            await ws.send_text(
                orjson.dumps({"error": "Unknown stream type", "status": 400}).decode()
            )
            continue
        if message.get("type") == "subscribe":
            listener.streams.add(name)
        elif message.get("type") == "unsubscribe":
            listener.streams.discard(name)


async def health(_: Request) -> Response:
    return PlainTextResponse("OK")


def routes() -> list[Route | WebSocketRoute]:
    return [
        Route("/api/v1/streaming/health", health, methods=["GET"]),
        Route("/api/v1/streaming/user", _sse("user"), methods=["GET"]),
        Route("/api/v1/streaming/user/notification", _sse("user:notification"), methods=["GET"]),
        Route("/api/v1/streaming/direct", _sse("direct"), methods=["GET"]),
        Route("/api/v1/streaming/public", _sse("public"), methods=["GET"]),
        Route("/api/v1/streaming/public/local", _sse("public:local"), methods=["GET"]),
        Route("/api/v1/streaming/public/remote", _sse("public:remote"), methods=["GET"]),
        Route("/api/v1/streaming/list", _sse("list"), methods=["GET"]),
        Route("/api/v1/streaming/hashtag", _sse("hashtag"), methods=["GET"]),
        Route("/api/v1/streaming/hashtag/local", _sse("hashtag:local"), methods=["GET"]),
        WebSocketRoute("/api/v1/streaming", websocket),
    ]
