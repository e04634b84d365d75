"""`/api/v1/tags/{name}` (the Tag an app shows above a hashtag timeline, with its use over
the last week and whether the member follows it), `/follow` and `/unfollow`, and
`/api/v1/followed_tags`, as Mastodon 4.3 has them (exchange/hashtags.py). A name that is
not a hashtag (Mastodon's letters, digits and underscores, not digits alone) is 404.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import hashtag_uses, hashtags
from exchange.timeline import kept_out
from instance.city import City, city_of
from instance.policy import FederationPolicy
from models import Hashtag

from .common import mastodon_errors, member_viewer, optional_viewer, paged_response, paging


def tag_entity(
    session: Session,
    city: City,
    name: str,
    found: Hashtag | None,
    following: bool | None,
    left_out: tuple[list[str], list[str]] = ([], []),
    history: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """Mastodon's Tag: `following` only for a member's token (left out otherwise); its
    `history` (read here unless given) without the uses of the refused and silenced domains
    of `left_out`."""
    shut, quiet = left_out
    if history is None:
        history = hashtag_uses.history(session, name, shut=shut, quiet=quiet)
    entity: dict[str, Any] = {
        "id": str(found.id) if found is not None else "",
        "name": name,
        "url": city.urls.tag(name),
        "history": history,
    }
    if following is not None:
        entity["following"] = following
    return entity


def left_out(session: Session, policy: FederationPolicy) -> tuple[list[str], list[str]]:
    """(refused, silenced) domains we know accounts of: their uses are not counted."""
    quiet, shut = kept_out(
        session, lambda d: policy.verdict(d).silenced, lambda d: not policy.allows(d)
    )
    return sorted(shut), sorted(quiet)


@mastodon_errors
async def show(request: Request) -> Response:
    viewer = await optional_viewer(request, "read:statuses")
    name = hashtags.name_of(request.path_params["name"])
    city = city_of(request)
    member = viewer.member
    policy = await city.fediverse.policy.current()

    def read(session: Session) -> dict[str, Any]:
        found = hashtags.find(session, name)
        following = None
        if member is not None:
            following = found is not None and bool(hashtags.follows(session, member.id, [found.id]))
        return tag_entity(session, city, name, found, following, left_out(session, policy))

    return JSONResponse(await city.db.read(read))


async def _change(request: Request, *, follow: bool) -> Response:
    member, _ = await member_viewer(request, "write:follows")
    name = hashtags.name_of(request.path_params["name"])
    city = city_of(request)

    def write(session: Session) -> dict[str, Any]:
        change = hashtags.follow if follow else hashtags.unfollow
        found = change(session, member.id, name)
        return tag_entity(session, city, name, found, follow)

    return JSONResponse(await city.db.write(write))


@mastodon_errors
async def follow(request: Request) -> Response:
    return await _change(request, follow=True)


@mastodon_errors
async def unfollow(request: Request) -> Response:
    return await _change(request, follow=False)


@mastodon_errors
async def followed(request: Request) -> Response:
    """The member's followed hashtags, newest follow first, paged by follow (`limit` 100,
    at most 200, as Mastodon) with a `Link` header."""
    member, _ = await member_viewer(request, "read:follows")
    page = paging(request, default=100, most=200)
    city = city_of(request)

    def read(session: Session) -> tuple[list[dict[str, Any]], list[int]]:
        rows = hashtags.followed(
            session,
            member.id,
            max_id=page.max_id,
            since_id=page.since_id,
            min_id=page.min_id,
            limit=page.limit,
        )
        shown = [tag_entity(session, city, tag.name, tag, True) for _, tag in rows]
        return shown, [follow_id for follow_id, _ in rows]

    items, ids = await city.db.read(read)
    return paged_response(request, items, ids)


def routes() -> list[Route]:
    return [
        Route("/api/v1/followed_tags", followed, methods=["GET"]),
        Route("/api/v1/tags/{name}", show, methods=["GET"]),
        Route("/api/v1/tags/{name}/follow", follow, methods=["POST"]),
        Route("/api/v1/tags/{name}/unfollow", unfollow, methods=["POST"]),
    ]
