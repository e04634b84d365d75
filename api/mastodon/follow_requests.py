"""`/api/v1/follow_requests`: the remote accounts waiting for a locked member's answer.

A member who approves followers (`locked`, set by `update_credentials` or on Comptoir's own
API) leaves each remote Follow pending and gets a `follow_request` notification
(`services.social.receive_follow`). Here the app lists them (oldest first as Mastodon pages
them, by follow), and authorizes or rejects one by its account id: the same use cases as the
Comptoir API's `/followers/{id}/accept|reject`, which send the Accept or Reject. Members of
one city do not follow each other, so every request is a remote account's.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import follows
from exchange.errors import NotFound
from exchange.statuses import run_page
from instance.city import city_of
from models import Direction, Follow, FollowState, RemoteActor
from services import social

from . import entities
from .common import int_id, mastodon_errors, member_viewer, paged_response, paging


@mastodon_errors
async def index(request: Request) -> Response:
    _, viewer = await member_viewer(request, "read:follows")
    city = city_of(request)
    page = paging(request, default=40, most=80)

    def read(session: Session) -> tuple[list[dict[str, Any]], list[int]]:
        query = select(Follow.id).where(
            Follow.local_actor == viewer.uri,
            Follow.direction == Direction.inbound,
            Follow.state == FollowState.pending,
        )
        ids = run_page(session, query, Follow.id, page)
        actors: dict[int, RemoteActor] = {
            follow_id: actor
            for follow_id, actor in session.execute(
                select(Follow.id, RemoteActor)
                .join(RemoteActor, RemoteActor.id == Follow.remote_actor_id)
                .where(Follow.id.in_(ids), RemoteActor.deleted_at.is_(None))
            )
        }
        shown = [entities.account(city, actors[i]) for i in ids if i in actors]
        return shown, ids

    items, ids = await city.db.read(read)
    return paged_response(request, items, ids)


async def _answer(request: Request, *, accept: bool) -> Response:
    _, viewer = await member_viewer(request, "write:follows")
    city = city_of(request)
    assert viewer.uri is not None
    me = viewer.uri

    def write(session: Session) -> dict[str, Any]:
        _, actor_id = entities.split_account_id(int_id(request.path_params["id"]))
        actor = session.get(RemoteActor, actor_id) if actor_id is not None else None
        follow = follows.find(session, me, actor, Direction.inbound) if actor else None
        if actor is None or follow is None or follow.state is not FollowState.pending:
            raise NotFound("follow request")
        if accept:
            social.accept_follower(session, city, follow, actor)
        else:
            social.reject_follower(session, city, follow, actor)
        return entities.relationship_of(session, viewer, actor)

    return JSONResponse(await city.db.write(write))


@mastodon_errors
async def authorize(request: Request) -> Response:
    return await _answer(request, accept=True)


@mastodon_errors
async def reject(request: Request) -> Response:
    return await _answer(request, accept=False)


def routes() -> list[Route]:
    return [
        Route("/api/v1/follow_requests", index, methods=["GET"]),
        Route("/api/v1/follow_requests/{id}/authorize", authorize, methods=["POST"]),
        Route("/api/v1/follow_requests/{id}/reject", reject, methods=["POST"]),
    ]
