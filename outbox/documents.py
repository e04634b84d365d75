"""GET of our ActivityPub documents: actors, collections, notes, activities, our context.

Served as `application/activity+json` with `Vary: Accept`; the id of every document is the
URL it was fetched at (no redirects). In authorized-fetch mode, everything but the actors
(whose keys must stay fetchable, or two such servers could never verify each other) needs an
HTTP-signed GET from a domain the policy allows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from exchange.notes import visible_note
from federation.errors import FetchError, SignatureError
from federation.httpsig import IncomingRequest, signature_key_id, verify_request
from federation.jsonld import comptoir_context
from instance.city import City, city_of
from models import (
    Direction,
    Follow,
    FollowState,
    Member,
    MemberStatus,
    OutboundActivity,
    RemoteActor,
    ServiceActor,
)

from . import render

AS2_TYPE = "application/activity+json"
PAGE_SIZE = 20


def activity_json(document: dict[str, Any], status: int = 200) -> Response:
    return Response(
        orjson.dumps(document), status_code=status, media_type=AS2_TYPE, headers={"Vary": "Accept"}
    )


def _problem(status: int, reason: str) -> Response:
    return JSONResponse({"error": reason}, status_code=status)


async def signed_fetch_refusal(request: Request) -> Response | None:
    """In authorized-fetch mode: None if the GET is signed by an allowed domain, else the
    refusal.
    """
    city = city_of(request)
    if not city.settings.federation.authorized_fetch:
        return None
    signer = await signed_fetch_signer(request)
    return signer if isinstance(signer, Response) else None


async def member_collection(
    request: Request, render: Callable[[Session, City, Member], dict[str, Any]]
) -> Response:
    """A collection of the active member named in the path (`username`), rendered in one
    read, to a fetch the authorized-fetch mode lets through; 404 for anyone else."""
    refusal = await signed_fetch_refusal(request)
    if refusal is not None:
        return refusal
    city = city_of(request)
    username = request.path_params["username"]

    def read(session: Session) -> dict[str, Any] | None:
        member = session.scalar(select(Member).where(Member.username == username))
        if member is None or member.status is not MemberStatus.active:
            return None
        return render(session, city, member)

    found = await city.db.read(read)
    return _problem(404, "no such member") if found is None else activity_json(found)


async def signed_fetch_signer(request: Request) -> str | Response:
    """The actor whose key signed this GET (checked against the policy), or the refusal."""
    city = city_of(request)
    headers = {
        k.decode("latin-1").lower(): v.decode("latin-1") for k, v in request.scope["headers"]
    }
    incoming = IncomingRequest(
        method="GET",
        path=request.scope.get("raw_path", request.url.path.encode())
        .decode("latin-1")
        .split("?", 1)[0],
        query=request.scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
        body=b"",
        authority=headers.get("host", ""),
        scheme=request.url.scheme,
    )
    fediverse = city.fediverse
    policy = await fediverse.policy.current()
    key_id = signature_key_id(headers)
    if key_id is not None and not policy.allows(key_id):  # refused before its key is fetched
        return _problem(403, policy.verdict(key_id).reason)
    try:
        signer = await verify_request(
            incoming,
            fediverse.directory.key,
            window_seconds=city.settings.federation.signature_window_seconds,
        )
    except (SignatureError, FetchError) as exc:
        return _problem(401, f"this city requires signed fetches: {getattr(exc, 'reason', exc)}")
    verdict = policy.verdict(signer.owner)
    if not verdict.allowed:
        return _problem(403, verdict.reason)
    if policy.actor_suspended(signer.owner):
        return _problem(403, f"{signer.owner} is suspended here")
    return str(signer.owner)


# ---------------------------------------------------------------------- actors


def _service_key(session: Session, name: str) -> str:
    pem = session.scalar(select(ServiceActor.public_key_pem).where(ServiceActor.name == name))
    if pem is None:
        raise LookupError(name)
    return pem


async def instance_actor(request: Request) -> Response:
    city = city_of(request)
    pem = await city.db.read(lambda s: _service_key(s, "actor"))
    return activity_json(render.render_instance_actor(city.urls, city.settings, pem))


async def market_actor(request: Request) -> Response:
    city = city_of(request)
    pem = await city.db.read(lambda s: _service_key(s, "market"))
    return activity_json(render.render_market(city.urls, city.settings, pem))


async def member_actor(request: Request) -> Response:
    city = city_of(request)
    username = request.path_params["username"]
    member = await city.db.read(
        lambda s: s.scalar(select(Member).where(Member.username == username))
    )
    if member is None or member.status in (MemberStatus.pending, MemberStatus.declined):
        return _problem(404, "no such member")
    if member.status is MemberStatus.suspended:
        return activity_json(
            render.tombstone(city.urls, city.urls.member(username), former_type="Person"), 410
        )
    return activity_json(render.render_member(city.urls, member))


# ---------------------------------------------------------------------- collections


def actor_id_for(city: City, request: Request) -> str:
    name = request.path_params.get("username")
    if name is not None:
        return city.urls.member(name)
    slug = request.path_params.get("slug")
    if slug is not None:
        return city.urls.discussion_space(slug)
    return city.urls.market if request.url.path.startswith("/market") else city.urls.instance_actor


def _cursor(request: Request) -> int | None:
    value = request.query_params.get("before", "")
    return int(value) if value.isdigit() else None


async def _page_or_summary(request: Request, collection_id: str, count: Any, page: Any) -> Response:
    refusal = await signed_fetch_refusal(request)
    if refusal is not None:
        return refusal
    city = city_of(request)
    if request.query_params.get("page") is None:
        total = await city.db.read(count)
        return activity_json(render.collection(city.urls, collection_id, total))
    before = _cursor(request)
    total, items, next_cursor = await city.db.read(lambda s: (count(s), *page(s, before)))
    page_id = f"{collection_id}?{request.url.query}"
    return activity_json(
        render.collection_page(
            city.urls, collection_id, items, page_id=page_id, next_cursor=next_cursor, total=total
        )
    )


def _follow_query(local_actor: str, direction: Direction) -> Any:
    return (
        select(Follow.id, RemoteActor.uri)
        .join(RemoteActor, RemoteActor.id == Follow.remote_actor_id)
        .where(
            Follow.local_actor == local_actor,
            Follow.direction == direction,
            Follow.state == FollowState.accepted,
        )
    )


def _follows_collection(direction: Direction, suffix: str) -> Any:
    async def endpoint(request: Request) -> Response:
        city = city_of(request)
        local = actor_id_for(city, request)
        if request.path_params.get("username") and not await _member_visible(
            city, request.path_params["username"]
        ):
            return _problem(404, "no such member")
        query = _follow_query(local, direction)

        def count(session: Session) -> int:
            return session.scalar(select(func.count()).select_from(query.subquery())) or 0

        def page(session: Session, before: int | None) -> tuple[list[str], int | None]:
            q = query.order_by(Follow.id.desc()).limit(PAGE_SIZE)
            if before is not None:
                q = q.where(Follow.id < before)
            rows = session.execute(q).all()
            return [uri for _, uri in rows], rows[-1][0] if len(rows) == PAGE_SIZE else None

        return await _page_or_summary(request, f"{local}/{suffix}", count, page)

    return endpoint


followers_collection = _follows_collection(Direction.inbound, "followers")
following_collection = _follows_collection(Direction.outbound, "following")


async def _member_visible(city: City, username: str) -> bool:
    status = await city.db.read(
        lambda s: s.scalar(select(Member.status).where(Member.username == username))
    )
    return status is MemberStatus.active


async def outbox_collection(request: Request) -> Response:
    city = city_of(request)
    local = actor_id_for(city, request)
    if request.path_params.get("username") and not await _member_visible(
        city, request.path_params["username"]
    ):
        return _problem(404, "no such member")
    where = (OutboundActivity.actor == local, OutboundActivity.public.is_(True))

    def count(session: Session) -> int:
        return session.scalar(select(func.count()).select_from(OutboundActivity).where(*where)) or 0

    def page(session: Session, before: int | None) -> tuple[list[Any], int | None]:
        q = select(OutboundActivity.id, OutboundActivity.body).where(*where)
        if before is not None:
            q = q.where(OutboundActivity.id < before)
        rows = session.execute(q.order_by(OutboundActivity.id.desc()).limit(PAGE_SIZE)).all()
        items = [
            {k: v for k, v in orjson.loads(body).items() if k != "@context"} for _, body in rows
        ]
        return items, rows[-1][0] if len(rows) == PAGE_SIZE else None

    return await _page_or_summary(request, f"{local}/outbox", count, page)


# ---------------------------------------------------------------------- objects


async def note_document(request: Request) -> Response:
    refusal = await signed_fetch_refusal(request)
    if refusal is not None:
        return refusal
    city = city_of(request)
    uri = city.urls.note(request.path_params["public_id"])
    shown = await city.db.read(lambda s: visible_note(s, uri))
    if shown is None:
        return _problem(404, "no such note")
    if shown.note.deleted_at is not None:
        return activity_json(render.tombstone(city.urls, uri, shown.note.deleted_at), 410)
    return activity_json(render.render_note(city.urls, shown.note, city.urls.member(shown.author)))


async def activity_document(request: Request) -> Response:
    refusal = await signed_fetch_refusal(request)
    if refusal is not None:
        return refusal
    city = city_of(request)
    uri = city.urls.base + request.url.path
    body = await city.db.read(
        lambda s: s.scalar(
            select(OutboundActivity.body).where(
                OutboundActivity.uri == uri, OutboundActivity.public.is_(True)
            )
        )
    )
    if body is None:
        return _problem(404, "no such activity")
    return activity_json(orjson.loads(body))


async def context_document(request: Request) -> Response:
    city = city_of(request)
    return Response(
        orjson.dumps(comptoir_context(city.urls.base)),
        media_type="application/ld+json",
        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=86400"},
    )
