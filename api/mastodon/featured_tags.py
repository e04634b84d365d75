"""Featured hashtags, as Mastodon 4.3 has them (exchange/featured_tags.py):
`GET /api/v1/featured_tags` and `POST` (`read:accounts` / `write:accounts`),
`DELETE /api/v1/featured_tags/{id}`, `GET /api/v1/featured_tags/suggestions` (Tags of the
member's most used hashtags not featured yet), and `GET /api/v1/accounts/{id}/featured_tags`
(public: a member's; a remote account's as its `featuredTags` collection lists them,
read by the `actor.featured` job, with the statuses of it we keep counted; a discussion
space's `[]`).

FeaturedTag: `id`, `name`, `url` (the hashtag's page here: the web has no page of one
member's statuses with a tag), `statuses_count` (a string, as Mastodon's serializer gives
it) and `last_status_at` (the day, `YYYY-MM-DD`, or null).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import featured_tags, hashtag_uses, hashtags, remote_featured_tags
from exchange.featured_tags import Featured
from instance.city import City, city_of
from models import Member, RemoteActor

from ..mastodon_admin import params
from . import entities
from .common import int_id, mastodon_errors, member_viewer, optional_viewer
from .tags import tag_entity


def featured_entity(city: City, found: Featured) -> dict[str, Any]:
    last = found.last_status_at
    return {
        "id": str(found.id),
        "name": found.name,
        "url": city.urls.tag(found.name),
        "statuses_count": str(found.statuses_count),
        "last_status_at": last.date().isoformat() if last is not None else None,
    }


@mastodon_errors
async def listed(request: Request) -> Response:
    member, _ = await member_viewer(request, "read:accounts")
    city = city_of(request)

    def read(session: Session) -> list[dict[str, Any]]:
        return [featured_entity(city, f) for f in featured_tags.featured(session, member.id)]

    return JSONResponse(await city.db.read(read))


@mastodon_errors
async def feature(request: Request) -> Response:
    member, _ = await member_viewer(request, "write:accounts")
    name = (await params(request)).get("name")
    city = city_of(request)

    def write(session: Session) -> dict[str, Any]:
        raw = name if isinstance(name, str) else None
        return featured_entity(city, featured_tags.feature(session, member.id, raw))

    return JSONResponse(await city.db.write(write))


@mastodon_errors
async def unfeature(request: Request) -> Response:
    member, _ = await member_viewer(request, "write:accounts")
    featured_id = int_id(request.path_params["id"])
    await city_of(request).db.write(lambda s: featured_tags.unfeature(s, member.id, featured_id))
    return JSONResponse({})


@mastodon_errors
async def suggestions(request: Request) -> Response:
    member, _ = await member_viewer(request, "read:accounts")
    city = city_of(request)

    def read(session: Session) -> list[dict[str, Any]]:
        names = featured_tags.suggestions(session, member.id)
        rows = hashtag_uses.known(session, names)
        followed = hashtags.follows(session, member.id, [h.id for h in rows.values()])
        return [
            tag_entity(session, city, n, rows.get(n), n in rows and rows[n].id in followed)
            for n in names
        ]

    return JSONResponse(await city.db.read(read))


@mastodon_errors
async def of_account(request: Request) -> Response:
    """A member's featured hashtags, for anyone; an unknown account 404."""
    await optional_viewer(request, "read:accounts")
    city = city_of(request)
    wanted = request.path_params["id"]

    def read(session: Session) -> list[dict[str, Any]]:
        who = entities.path_account(session, wanted)
        if isinstance(who, RemoteActor):
            return [
                featured_entity(city, Featured(_remote_id(who, i), name, count, latest))
                for i, (name, count, latest) in enumerate(remote_featured_tags.shown(session, who))
            ]
        if not isinstance(who, Member):
            return []
        return [featured_entity(city, f) for f in featured_tags.featured(session, who.id)]

    return JSONResponse(await city.db.read(read))


def _remote_id(actor: RemoteActor, place: int) -> int:
    """A remote account's featured hashtag has no row here: its id is the account's and
    its place (two digits), stable while the collection is."""
    return actor.id * 100 + place


def routes() -> list[Route]:
    return [
        Route("/api/v1/featured_tags", listed, methods=["GET"]),
        Route("/api/v1/featured_tags", feature, methods=["POST"]),
        Route("/api/v1/featured_tags/suggestions", suggestions, methods=["GET"]),
        Route("/api/v1/featured_tags/{id}", unfeature, methods=["DELETE"]),
        Route("/api/v1/accounts/{id}/featured_tags", of_account, methods=["GET"]),
    ]
