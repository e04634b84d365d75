"""`/api/v1/trends/tags` (and its older name `/api/v1/trends`), `/trends/statuses` and
`/trends/links`, as Mastodon 4.3 serves them: public (a token, when sent, is checked for
`read:statuses` and makes the reader: their blocks and mutes, `following` on Tags).

Hashtags are ranked by how many accounts used them in the last week on public statuses
(exchange/hashtag_uses.py), statuses by their favourites and reblogs of the last days
(exchange/trends.py). Paged by `offset` (`limit`: tags 10, at most 20; statuses 20, at
most 40), with a `Link` header to the next and previous pages as Mastodon gives them.
Links stay `[]`: Comptoir keeps no preview cards. When an admin turned trends off
(`comptoir trends off`), every list is `[]`.

Both rankings are kept a minute per process (instance/snapshots.py: they cost tens of
milliseconds at 100,000 statuses and need no token); each request still filters its page
for its reader and for what was refused, hidden or deleted since.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import hashtag_uses, hashtags, instance_settings, trends
from instance.city import city_of
from instance.snapshots import Snapshots

from ..fast_json import FastJSONResponse
from . import entities
from .common import mastodon_errors, optional_viewer
from .tags import left_out, tag_entity

#: (default, most) of `limit`
TAG_LIMITS = (10, 20)
STATUS_LIMITS = (20, 40)


@dataclass
class TagRanking:
    """The hashtags ranked, and the weekly history of those a page has shown, kept with
    the ranking (each a read of every use of its week)."""

    trends: list[hashtag_uses.Trend]
    histories: dict[str, list[dict[str, str]]] = field(default_factory=dict)


#: how long a process keeps a ranking, in seconds
RANKING_SECONDS = 60.0
#: the hashtags ranked, by city and domain lists; the statuses ranked, by city
TAG_RANKINGS = Snapshots(RANKING_SECONDS)
STATUS_RANKINGS = Snapshots(RANKING_SECONDS)


def _window(request: Request, default: int, most: int) -> tuple[int, int]:
    """(limit, offset): a `limit` out of range is brought back into it, a bad one is the
    default; a bad `offset` is 0."""
    raw = request.query_params.get("limit", "")
    limit = max(1, min(int(raw), most)) if raw.isdigit() else default
    raw = request.query_params.get("offset", "")
    offset = min(int(raw), 10_000) if raw.isdigit() else 0
    return limit, offset


def _paged(request: Request, items: list[Any], limit: int, offset: int) -> Response:
    """The page with Mastodon's offset `Link` header: `next` when the page is full,
    `prev` when it is not the first."""
    response = FastJSONResponse(items)
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "offset"]
    base = str(request.url.replace(query=""))
    links = []
    if len(items) >= limit:
        links.append(f'<{base}?{urlencode([*kept, ("offset", str(offset + limit))])}>; rel="next"')
    if offset > 0:
        before = max(0, offset - limit)
        links.append(f'<{base}?{urlencode([*kept, ("offset", str(before))])}>; rel="prev"')
    if links:
        response.headers["Link"] = ", ".join(links)
    return response


@mastodon_errors
async def tags(request: Request) -> Response:
    viewer = await optional_viewer(request, "read:statuses")
    limit, offset = _window(request, *TAG_LIMITS)
    city = city_of(request)
    policy = await city.fediverse.policy.current()
    member = viewer.member

    def read(session: Session) -> list[dict[str, Any]]:
        if not instance_settings.trends_shown(session):
            return []
        kept = left_out(session, policy)
        shut, quiet = kept
        ranking = TAG_RANKINGS.get(
            city.db,
            (tuple(shut), tuple(quiet)),
            lambda: TagRanking(hashtag_uses.trending(session, shut=shut, quiet=quiet)),
        )
        found = ranking.trends[offset : offset + limit]
        rows = hashtag_uses.known(session, [t.name for t in found])
        followed: set[int] = set()
        if member is not None:
            followed = hashtags.follows(session, member.id, [h.id for h in rows.values()])
        shown = []
        for trend in found:
            row = rows.get(trend.name)
            following = None if member is None else row is not None and row.id in followed
            history = ranking.histories.get(trend.name)
            if history is None:  # read once per ranking: a busy tag's week is thousands of uses
                history = hashtag_uses.history(session, trend.name, shut=shut, quiet=quiet)
                ranking.histories[trend.name] = history
            shown.append(tag_entity(session, city, trend.name, row, following, kept, history))
        return shown

    return _paged(request, await city.db.read(read), limit, offset)


@mastodon_errors
async def statuses(request: Request) -> Response:
    viewer = await optional_viewer(request, "read:statuses")
    limit, offset = _window(request, *STATUS_LIMITS)
    city = city_of(request)
    policy = await city.fediverse.policy.current()

    def read(session: Session) -> list[dict[str, Any]]:
        if not instance_settings.trends_shown(session):
            return []

        def refused(domain: str) -> bool:
            return not policy.allows(domain)

        ranking = STATUS_RANKINGS.get(
            city.db, "statuses", lambda: trends.ranked(session, refused=refused)
        )
        ids = trends.statuses(
            session,
            viewer,
            ranking,
            silenced=lambda d: policy.verdict(d).silenced,
            refused=refused,
            limit=limit,
            offset=offset,
        )
        return entities.statuses(session, city, ids, viewer.member)

    return _paged(request, await city.db.read(read), limit, offset)


@mastodon_errors
async def links(request: Request) -> Response:
    """No preview cards are kept (statuses' `card` is always null): nothing to rank."""
    await optional_viewer(request, "read:statuses")
    return JSONResponse([])


def routes() -> list[Route]:
    return [
        Route("/api/v1/trends", tags, methods=["GET"]),
        Route("/api/v1/trends/tags", tags, methods=["GET"]),
        Route("/api/v1/trends/statuses", statuses, methods=["GET"]),
        Route("/api/v1/trends/links", links, methods=["GET"]),
    ]
