"""GET of a discussion space's Group actor, its pinned threads (`featured`), its threads
(Page) and our replies (Note).

A hidden thread or reply answers 404, as a hidden listing does; the Group of an archived
space still answers, so that followers can read where the discussion was. Collections
(outbox, followers) are outbox.documents', keyed by the Group's id.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from exchange import discussions
from exchange.errors import NotFound
from instance.city import city_of
from models import DiscussionPost, DiscussionSpace, DiscussionThread

from .discussions import author_of, render_featured, render_post, render_space, render_thread
from .documents import activity_json, signed_fetch_refusal


def _missing(what: str) -> Response:
    return JSONResponse({"error": f"no such {what}"}, status_code=404)


async def group_actor(request: Request) -> Response:
    city = city_of(request)
    slug = request.path_params["slug"]
    space = await city.db.read(
        lambda s: s.scalar(select(DiscussionSpace).where(DiscussionSpace.slug == slug))
    )
    if space is None:
        return _missing("discussion")
    return activity_json(render_space(city.urls, space))


async def featured_collection(request: Request) -> Response:
    """The Group's pinned threads (its `featured`), the whole Pages in the page's order."""
    city = city_of(request)
    slug = request.path_params["slug"]

    def read(session: Session) -> dict[str, Any] | None:
        space = session.scalar(select(DiscussionSpace).where(DiscussionSpace.slug == slug))
        if space is None:
            return None
        pages = [
            render_thread(city.urls, space, thread, author_of(session, city.urls, thread))
            for thread in discussions.featured_threads(session, space)
        ]
        return render_featured(city.urls, space, pages)

    document = await city.db.read(read)
    return _missing("discussion") if document is None else activity_json(document)


async def thread_document(request: Request) -> Response:
    refusal = await signed_fetch_refusal(request)
    if refusal is not None:
        return refusal
    city = city_of(request)

    def read(session: Session) -> dict[str, Any] | None:
        try:
            thread = discussions.find_thread(session, request.path_params["public_id"])
        except NotFound:
            return None
        if not city.urls.is_local(thread.uri):
            return None  # another city's resident started it: its own server serves it
        space = discussions.space_of(session, thread)
        return render_thread(city.urls, space, thread, author_of(session, city.urls, thread))

    document = await city.db.read(read)
    return _missing("thread") if document is None else activity_json(document)


async def post_document(request: Request) -> Response:
    refusal = await signed_fetch_refusal(request)
    if refusal is not None:
        return refusal
    city = city_of(request)
    uri = city.urls.discussion_post(request.path_params["public_id"])

    def read(session: Session) -> dict[str, Any] | None:
        post = session.scalar(select(DiscussionPost).where(DiscussionPost.uri == uri))
        thread = session.get(DiscussionThread, post.thread_id) if post is not None else None
        if post is None or thread is None or post.hidden or thread.hidden:
            return None
        parent = session.get(DiscussionPost, post.parent_id) if post.parent_id else None
        space = discussions.space_of(session, thread)
        author = author_of(session, city.urls, post)
        return render_post(
            city.urls, space, thread, post, author, parent.uri if parent is not None else None
        )

    document = await city.db.read(read)
    return _missing("reply") if document is None else activity_json(document)
