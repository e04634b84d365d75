"""Discussions through the API: list and read spaces and threads, open and close a space
(staff), start a thread, reply, moderate. Each change and the Group's activities it causes
are one transaction (services.discussions). The OpenAPI description is
`discussions_spec.SECTION`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import discussions
from exchange.discussions import SpaceDraft
from exchange.errors import DomainError
from instance.city import City, city_of
from models import (
    DiscussionPost,
    DiscussionSpace,
    DiscussionThread,
    Member,
    SpaceAudience,
    SpaceState,
)
from outbox import render
from outbox.discussions import author_of
from services import discussions as square

from .auth import authenticated
from .params import field, json_body


def time_field(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise DomainError("invalid_dates", f"{name} must be an ISO 8601 date-time", 400) from None
    if moment.tzinfo is None:
        raise DomainError("invalid_dates", f"{name} needs a time zone", 400)
    return moment


def render_space(city: City, space: DiscussionSpace) -> dict[str, Any]:
    return {
        "slug": space.slug,
        "actor": city.urls.discussion_space(space.slug),
        "title": space.title,
        "description": space.description,
        "audience": space.audience.value,
        "state": space.state.value,
        "accepts_posts": discussions.accepts_posts(space),
        "opens_at": render.iso(space.opens_at),
        "closes_at": render.iso(space.closes_at) if space.closes_at else None,
    }


def render_thread(session: Session, city: City, thread: DiscussionThread) -> dict[str, Any]:
    return {
        "id": thread.public_id,
        "uri": thread.uri,
        "space": discussions.space_of(session, thread).slug,
        "title": thread.title,
        "content": thread.content,
        "author": author_of(session, city.urls, thread),
        "pinned": thread.pinned,
        "locked": thread.locked,
        "hidden": thread.hidden,
        "published": render.iso(thread.published),
    }


def render_post(session: Session, city: City, post: DiscussionPost) -> dict[str, Any]:
    parent = session.get(DiscussionPost, post.parent_id) if post.parent_id else None
    return {
        "uri": post.uri,
        "in_reply_to": parent.uri if parent is not None else None,
        "content": post.content,
        "author": author_of(session, city.urls, post),
        "published": render.iso(post.published),
    }


async def list_spaces(request: Request) -> Response:
    await authenticated(request)
    city = city_of(request)
    return JSONResponse(
        await city.db.read(
            lambda s: [render_space(city, space) for space in discussions.listed_spaces(s)]
        )
    )


async def open_space(request: Request) -> Response:
    member = await authenticated(request)
    body = await json_body(
        request, {"slug", "title", "description", "audience", "opens_at", "closes_at"}
    )
    city = city_of(request)
    audience = field(body, "audience", str, required=False) or "members"
    if audience not in SpaceAudience.__members__:
        raise DomainError("invalid_audience", "audience is members or federated", 400)
    draft = SpaceDraft(
        slug=field(body, "slug", str),
        title=field(body, "title", str),
        description=field(body, "description", str, required=False) or "",
        audience=SpaceAudience(audience),
        opens_at=time_field(field(body, "opens_at", str, required=False), "opens_at"),
        closes_at=time_field(field(body, "closes_at", str, required=False), "closes_at"),
    )

    def work(session: Session) -> dict[str, Any]:
        by = session.get_one(Member, member.id)
        return render_space(city, square.open_space(session, city, by, draft))

    return JSONResponse(await city.db.write(work), status_code=201)


async def get_space(request: Request) -> Response:
    await authenticated(request)
    city = city_of(request)
    slug = request.path_params["slug"]
    raw = request.query_params.get("page", "1")
    page = int(raw) if raw.isdigit() and int(raw) > 0 else 1
    query = request.query_params.get("q", "")

    def read(session: Session) -> dict[str, Any]:
        space = discussions.find_space(session, slug)
        threads, more = discussions.threads_page(session, space, page, query)
        return {
            **render_space(city, space),
            "threads": [render_thread(session, city, t) for t in threads],
            "next_page": page + 1 if more else None,
        }

    return JSONResponse(await city.db.read(read))


async def set_state(request: Request) -> Response:
    member = await authenticated(request)
    body = await json_body(request, {"state"})
    city = city_of(request)
    state = field(body, "state", str)
    if state not in SpaceState.__members__:
        raise DomainError("invalid_state", "state is open, closed or archived", 400)

    def work(session: Session) -> dict[str, Any]:
        by = session.get_one(Member, member.id)
        space = square.set_state(session, city, by, request.path_params["slug"], SpaceState(state))
        return render_space(city, space)

    return JSONResponse(await city.db.write(work))


async def start_thread(request: Request) -> Response:
    member = await authenticated(request)
    body = await json_body(request, {"title", "text"})
    city = city_of(request)
    title, text = field(body, "title", str), field(body, "text", str)

    def work(session: Session) -> dict[str, Any]:
        author = session.get_one(Member, member.id)
        thread = square.start_thread(
            session, city, author, request.path_params["slug"], title, text
        )
        return render_thread(session, city, thread)

    return JSONResponse(await city.db.write(work), status_code=201)


async def get_thread(request: Request) -> Response:
    member = await authenticated(request)
    city = city_of(request)

    def read(session: Session) -> dict[str, Any]:
        thread = discussions.find_thread(
            session, request.path_params["id"], hidden=member.is_moderator
        )
        return {
            **render_thread(session, city, thread),
            "replies": [
                render_post(session, city, p) for p in discussions.posts_of(session, thread)
            ],
        }

    return JSONResponse(await city.db.read(read))


async def reply(request: Request) -> Response:
    member = await authenticated(request)
    body = await json_body(request, {"text", "in_reply_to"})
    city = city_of(request)
    text = field(body, "text", str)
    parent = field(body, "in_reply_to", str, required=False)

    def work(session: Session) -> dict[str, Any]:
        author = session.get_one(Member, member.id)
        post = square.reply(
            session, city, author, request.path_params["id"], text, parent_uri=parent
        )
        return render_post(session, city, post)

    return JSONResponse(await city.db.write(work), status_code=201)


async def moderate(request: Request) -> Response:
    member = await authenticated(request)
    body = await json_body(request, {"action", "reason", "to", "reply"})
    city = city_of(request)
    action = field(body, "action", str)
    reason = field(body, "reason", str, required=False) or ""
    to = field(body, "to", str, required=False)
    reply_uri = field(body, "reply", str, required=False)

    def work(session: Session) -> dict[str, Any]:
        by = session.get_one(Member, member.id)
        if action in ("hide-reply", "unhide-reply"):
            if not reply_uri:
                raise DomainError("reply_required", "name the reply (its uri)", 400)
            square.hide_post(session, city, by, reply_uri, reason, hidden=action == "hide-reply")
            thread = discussions.find_thread(session, request.path_params["id"], hidden=True)
        else:
            thread = square.moderate_thread(
                session, city, by, request.path_params["id"], action, reason=reason, to_slug=to
            )
        return render_thread(session, city, thread)

    return JSONResponse(await city.db.write(work))


ROUTES = [
    Route("/discussions", list_spaces, methods=["GET"]),
    Route("/discussions", open_space, methods=["POST"]),
    Route("/discussions/threads/{id}", get_thread, methods=["GET"]),
    Route("/discussions/threads/{id}/replies", reply, methods=["POST"]),
    Route("/discussions/threads/{id}/moderation", moderate, methods=["POST"]),
    Route("/discussions/{slug}", get_space, methods=["GET"]),
    Route("/discussions/{slug}/state", set_state, methods=["POST"]),
    Route("/discussions/{slug}/threads", start_thread, methods=["POST"]),
]
