"""`/api/v1/timelines/home`, `/public`, `/tag/{hashtag}` and `/list/{id}`, paged as
Mastodon pages.

Items are statuses (notes and listings) by their `statuses` id, newest first; `max_id`,
`since_id`, `min_id` and `limit` (default 20, at most 40) as on Mastodon, and a `Link`
header with the next (older) and previous (newer) pages. A tag's timeline holds the public
notes with that hashtag and the listings of that category; a list is one of the member's
own (`api.mastodon.lists`), read like home.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from exchange import member_lists, statuses, tag_timeline
from exchange.errors import NotFound
from exchange.statuses import Viewer
from exchange.tag_timeline import TagFilter
from instance.city import city_of
from models import Member
from models.hashtag import normalize

from ..auth import read_as_member
from . import entities
from .common import int_id, mastodon_errors, optional_viewer, paged_response, paging

Query = Callable[[Session], list[int]]


async def _answer(request: Request, viewer: Viewer, query: Query) -> Response:
    """A public or tag timeline: the `public` context of the viewer's filters."""
    city = city_of(request)

    def read(session: Session) -> tuple[list[dict[str, Any]], list[int]]:
        ids = query(session)
        return entities.statuses(session, city, ids, viewer.member, context="public"), ids

    items, ids = await city.db.read(read)
    return paged_response(request, items, ids)


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "").lower() in ("true", "1", "yes")


@mastodon_errors
async def home(request: Request) -> Response:
    city = city_of(request)

    def read(session: Session, member: Member) -> tuple[list[dict[str, Any]], list[int]]:
        viewer = Viewer(member, city.urls.member(member.username))
        page = statuses.home_cards(session, viewer, paging(request))
        ids = [row.status_id for row in page]
        notes = {row.status_id: row for row in page if row.uri is not None}
        return entities.statuses(session, city, ids, member, notes, context="home"), ids

    # the token check and the page in one unit of work: one thread hop, one transaction
    items, ids = await read_as_member(request, "read:statuses", read)
    return paged_response(request, items, ids)


@mastodon_errors
async def list_timeline(request: Request) -> Response:
    """The statuses of the list's accounts, read as home is (one unit of work with the token
    check, the notes' rows in the page's statement); another member's list is 404."""
    city = city_of(request)
    list_id = int_id(request.path_params["id"])
    page = paging(request)

    def read(session: Session, member: Member) -> tuple[list[dict[str, Any]], list[int]]:
        found = member_lists.find(session, member.id, list_id)
        viewer = Viewer(member, city.urls.member(member.username))
        rows = statuses.list_cards(session, viewer, found, page)
        ids = [row.status_id for row in rows]
        notes = {row.status_id: row for row in rows if row.uri is not None}
        return entities.statuses(session, city, ids, member, notes, context="home"), ids

    items, ids = await read_as_member(request, "read:lists", read)
    return paged_response(request, items, ids)


@mastodon_errors
async def public(request: Request) -> Response:
    viewer = await optional_viewer(request, "read:statuses")
    page = paging(request)
    policy = await city_of(request).fediverse.policy.current()
    local, remote = _flag(request, "local"), _flag(request, "remote")
    return await _answer(
        request,
        viewer,
        lambda s: statuses.public(
            s,
            viewer,
            page,
            local=local,
            remote=remote,
            silenced=lambda d: policy.verdict(d).silenced,
            refused=lambda d: not policy.allows(d),
        ),
    )


def _tags(request: Request, name: str) -> tuple[str, ...]:
    """`any[]`, `all[]` or `none[]` (or without the brackets), normalized; others dropped."""
    values = request.query_params.getlist(f"{name}[]") + request.query_params.getlist(name)
    found = (normalize(v) for v in values[:10])
    return tuple(dict.fromkeys(n for n in found if n is not None))


def tag_filter(request: Request, name: str) -> TagFilter:
    """The tag asked (404 when it is no hashtag name) and the query's filters."""
    found = normalize(name)
    if found is None:
        raise NotFound("record")
    return TagFilter(
        found,
        any_=_tags(request, "any"),
        all_=_tags(request, "all"),
        none=_tags(request, "none"),
        local=_flag(request, "local"),
        remote=_flag(request, "remote"),
    )


@mastodon_errors
async def tag(request: Request) -> Response:
    """The public notes with that hashtag and the open listings of that category, merged
    (exchange/tag_timeline.py)."""
    viewer = await optional_viewer(request, "read:statuses")
    page = paging(request)
    wanted = tag_filter(request, request.path_params["hashtag"])
    policy = await city_of(request).fediverse.policy.current()
    return await _answer(
        request,
        viewer,
        lambda s: tag_timeline.tagged(
            s,
            viewer,
            page,
            wanted,
            silenced=lambda d: policy.verdict(d).silenced,
            refused=lambda d: not policy.allows(d),
        ),
    )


def routes() -> list[Route]:
    return [
        Route("/api/v1/timelines/home", home, methods=["GET"]),
        Route("/api/v1/timelines/public", public, methods=["GET"]),
        Route("/api/v1/timelines/tag/{hashtag}", tag, methods=["GET"]),
        Route("/api/v1/timelines/list/{id}", list_timeline, methods=["GET"]),
    ]
