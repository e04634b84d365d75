"""Follows and notes through the API: follow a remote account by handle or URL, answer follow
requests, post, edit and delete notes. Each change and the activities it causes are written in
one transaction (services.social); remote accounts are looked up (WebFinger, actor fetch) before
it opens. The OpenAPI description of these routes is `social_spec.SECTION`.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import delivery_failures
from exchange.delivery_failures import Undelivered
from exchange.errors import DomainError, NotFound
from federation.errors import FetchError
from instance.city import City, city_of
from instance.directory import Refused
from models import Direction, Follow, FollowState, Member, Note, RemoteActor
from outbox import render
from services import account_lookup, social

from .auth import authenticated
from .params import field, json_body

FOLLOW_STATES = tuple(state.value for state in FollowState)

log = logging.getLogger("comptoir.api")


async def _remote_account(city: City, handle_or_url: str) -> RemoteActor:
    try:
        return await city.fediverse.directory.lookup(handle_or_url)
    except Refused as exc:
        raise DomainError("domain_refused", str(exc), 403) from None
    except ValueError as exc:
        raise DomainError("invalid_account", f"not a handle or an actor URL: {exc}", 400) from None
    except FetchError as exc:
        # the detail names addresses, ports and resolver errors: for the log, not for members
        log.info("lookup of remote account %r failed: %s", handle_or_url, exc)
        raise account_lookup.member_visible(exc) from None


def render_follow(
    follow: Follow, actor: RemoteActor, undelivered: Undelivered | None = None
) -> dict[str, Any]:
    return {
        "id": str(follow.id),
        "account": f"@{actor.handle}",
        "actor": actor.uri,
        "state": follow.state.value,
        "created_at": render.iso(follow.created_at),
        "undelivered": undelivered.as_json() if undelivered is not None else None,
    }


def render_own_note(note: Note) -> dict[str, Any]:
    return {
        "id": note.uri.rsplit("/", 1)[1],
        "uri": note.uri,
        "content": note.content,
        "visibility": note.visibility,
        "published": render.iso(note.published),
        "updated": render.iso(note.updated) if note.updated else None,
        "in_reply_to": note.in_reply_to,
    }


def _follows(
    session: Session, local_actor: str, direction: Direction, state: str | None
) -> list[tuple[Follow, RemoteActor]]:
    query = (
        select(Follow, RemoteActor)
        .join(RemoteActor, RemoteActor.id == Follow.remote_actor_id)
        .where(Follow.local_actor == local_actor, Follow.direction == direction)
        .order_by(Follow.id.desc())
    )
    if state is not None:
        query = query.where(Follow.state == FollowState(state))
    return [(f, a) for f, a in session.execute(query)]


def _state_param(request: Request) -> str | None:
    state = request.query_params.get("state")
    if state is not None and state not in FOLLOW_STATES:
        raise DomainError(
            "invalid_parameter", f"state must be one of {', '.join(FOLLOW_STATES)}", 400
        )
    return state


# ---------------------------------------------------------------------- following


async def follow(request: Request) -> Response:
    member = await authenticated(request)
    body = await json_body(request, {"account"})
    city = city_of(request)
    actor = await _remote_account(city, field(body, "account", str))
    me = city.urls.member(member.username)
    record = await city.db.write(lambda s: social.follow(s, city, me, s.merge(actor)))
    return JSONResponse(render_follow(record, actor), status_code=201)


async def list_following(request: Request) -> Response:
    member = await authenticated(request)
    city = city_of(request)
    state = _state_param(request)

    def read(session: Session) -> list[dict[str, Any]]:
        rows = _follows(session, city.urls.member(member.username), Direction.outbound, state)
        failed = delivery_failures.about(
            session, [f.activity_uri for f, _ in rows if f.state is FollowState.failed]
        )
        return [render_follow(f, a, failed.get(f.activity_uri)) for f, a in rows]

    return JSONResponse(await city.db.read(read))


def _own_follow(
    session: Session, follow_id: str, local_actor: str, direction: Direction
) -> tuple[Follow, RemoteActor]:
    if not follow_id.isdigit():
        raise NotFound("follow")
    follow = session.get(Follow, int(follow_id))
    if follow is None or follow.local_actor != local_actor or follow.direction is not direction:
        raise NotFound("follow")
    return follow, session.get_one(RemoteActor, follow.remote_actor_id)


async def unfollow(request: Request) -> Response:
    member = await authenticated(request)
    city = city_of(request)
    me = city.urls.member(member.username)

    def work(session: Session) -> None:
        _, actor = _own_follow(session, request.path_params["id"], me, Direction.outbound)
        social.unfollow(session, city, me, actor)

    await city.db.write(work)
    return Response(status_code=204)


async def list_followers(request: Request) -> Response:
    member = await authenticated(request)
    city = city_of(request)
    state = _state_param(request)
    rows = await city.db.read(
        lambda s: _follows(s, city.urls.member(member.username), Direction.inbound, state)
    )
    return JSONResponse([render_follow(f, a) for f, a in rows])


async def accept_follower(request: Request) -> Response:
    return await _answer_follower(request, accept=True)


async def reject_follower(request: Request) -> Response:
    return await _answer_follower(request, accept=False)


async def _answer_follower(request: Request, *, accept: bool) -> Response:
    member = await authenticated(request)
    city = city_of(request)
    me = city.urls.member(member.username)

    def work(session: Session) -> dict[str, Any] | None:
        follow, actor = _own_follow(session, request.path_params["id"], me, Direction.inbound)
        if follow.state is not FollowState.pending:
            raise DomainError("not_pending", "this follow request was already answered", 409)
        if accept:
            social.accept_follower(session, city, follow, actor)
            return render_follow(follow, actor)
        social.reject_follower(session, city, follow, actor)
        return None

    answer = await city.db.write(work)
    return JSONResponse(answer) if answer is not None else Response(status_code=204)


# ---------------------------------------------------------------------- notes


async def create_note(request: Request) -> Response:
    member = await authenticated(request)
    body = await json_body(request, {"text", "visibility", "mentions", "in_reply_to"})
    city = city_of(request)
    text = field(body, "text", str)
    visibility = field(body, "visibility", str, required=False) or "public"
    in_reply_to = field(body, "in_reply_to", str, required=False)
    handles = field(body, "mentions", list, required=False) or []
    if not all(isinstance(h, str) for h in handles) or len(handles) > 20:
        raise DomainError("invalid_field", "mentions must be a list of at most 20 handles", 400)
    mentioned = [await _remote_account(city, handle) for handle in handles]

    def work(session: Session) -> Note:
        author = session.get_one(Member, member.id)
        return social.post_note(
            session,
            city,
            author,
            text,
            visibility=visibility,
            mentions=[session.merge(m) for m in mentioned],
            in_reply_to=in_reply_to,
        )

    note = await city.db.write(work)
    return JSONResponse(render_own_note(note), status_code=201)


async def edit_note(request: Request) -> Response:
    member = await authenticated(request)
    body = await json_body(request, {"text"})
    city = city_of(request)
    uri = city.urls.note(request.path_params["id"])
    text = field(body, "text", str)
    note = await city.db.write(
        lambda s: social.edit_note(s, city, s.get_one(Member, member.id), uri, text)
    )
    return JSONResponse(render_own_note(note))


async def delete_note(request: Request) -> Response:
    member = await authenticated(request)
    city = city_of(request)
    uri = city.urls.note(request.path_params["id"])
    await city.db.write(lambda s: social.delete_note(s, city, s.get_one(Member, member.id), uri))
    return Response(status_code=204)


async def get_note(request: Request) -> Response:
    member = await authenticated(request)
    city = city_of(request)
    uri = city.urls.note(request.path_params["id"])
    note = await city.db.read(lambda s: social.own_note(s, member, uri))
    return JSONResponse(render_own_note(note))


ROUTES = [
    Route("/follows", follow, methods=["POST"]),
    Route("/follows", list_following, methods=["GET"]),
    Route("/follows/{id}", unfollow, methods=["DELETE"]),
    Route("/followers", list_followers, methods=["GET"]),
    Route("/followers/{id}/accept", accept_follower, methods=["POST"]),
    Route("/followers/{id}/reject", reject_follower, methods=["POST"]),
    Route("/notes", create_note, methods=["POST"]),
    Route("/notes/{id}", get_note, methods=["GET"]),
    Route("/notes/{id}", edit_note, methods=["PATCH"]),
    Route("/notes/{id}", delete_note, methods=["DELETE"]),
]
