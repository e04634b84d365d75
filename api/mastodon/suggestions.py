"""Accounts to follow, as Mastodon 4.3 suggests them (exchange/suggestions.py):
`GET /api/v2/suggestions` (`read`; `limit` 40, at most 80) answers Suggestions
(`{source, sources, account}`), `GET /api/v1/suggestions` the bare Accounts, and
`DELETE /api/v1/suggestions/{account_id}` (`read`, as Mastodon asks) dismisses one for good.

`source` is Mastodon's older single reason, derived from `sources` as Mastodon derives it:
`featured` is `staff`, `similar_to_recently_followed` is `past_interactions`, the others
`global`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import suggestions
from exchange.suggestions import Key, Reader
from instance.city import City, city_of
from models import DiscussionSpace, Member, RemoteActor

from . import entities
from .common import mastodon_errors, member_viewer
from .tags import left_out

#: Mastodon's older `source` for each of its `sources`
LEGACY = {
    "featured": "staff",
    "similar_to_recently_followed": "past_interactions",
    "friends_of_friends": "past_interactions",
    "most_followed": "global",
    "most_interactions": "global",
}


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit", "")
    if not raw.isdigit():
        return suggestions.DEFAULT_LIMIT
    return max(1, min(int(raw), suggestions.MAX_LIMIT))


async def _suggested(request: Request) -> list[tuple[dict[str, Any], list[str]]]:
    """(Account, sources) of the member's suggestions, the best first."""
    member, viewer = await member_viewer(request, "read")
    city = city_of(request)
    policy = await city.fediverse.policy.current()
    limit = _limit(request)

    def read(session: Session) -> list[tuple[dict[str, Any], list[str]]]:
        shut, quiet = left_out(session, policy)
        reader = Reader(member.id, viewer.uri or "", shut, quiet)
        found = suggestions.suggested(session, reader, limit)
        shown = []
        for suggestion in found:
            who = _profile(session, suggestion.key)
            if who is not None:
                shown.append((_account(session, city, who), suggestion.sources))
        return shown

    return await city.db.read(read)


def _profile(session: Session, key: Key) -> RemoteActor | DiscussionSpace | None:
    if key.actor_id is not None:
        return session.get(RemoteActor, key.actor_id)
    return session.get(DiscussionSpace, key.space_id)


def _account(session: Session, city: City, who: RemoteActor | DiscussionSpace) -> dict[str, Any]:
    return entities.account(city, who, entities.counts(session, city, who))


@mastodon_errors
async def suggested_v2(request: Request) -> Response:
    found = await _suggested(request)
    return JSONResponse(
        [
            {"source": LEGACY[sources[0]], "sources": sources, "account": account}
            for account, sources in found
        ]
    )


@mastodon_errors
async def suggested_v1(request: Request) -> Response:
    return JSONResponse([account for account, _ in await _suggested(request)])


@mastodon_errors
async def dismiss(request: Request) -> Response:
    """`{}`; an unknown account 404. A member of the city is never suggested: nothing to
    keep, `{}` all the same."""
    member, _ = await member_viewer(request, "read")
    wanted = request.path_params["account_id"]

    def write(session: Session) -> None:
        who = entities.path_account(session, wanted)
        if isinstance(who, Member):
            return
        if isinstance(who, DiscussionSpace):
            key = Key(space_id=who.id)
        else:
            key = Key(actor_id=who.id)
        suggestions.dismiss(session, member.id, key)

    await city_of(request).db.write(write)
    return JSONResponse({})


def routes() -> list[Route]:
    return [
        Route("/api/v2/suggestions", suggested_v2, methods=["GET"]),
        Route("/api/v1/suggestions", suggested_v1, methods=["GET"]),
        Route("/api/v1/suggestions/{account_id}", dismiss, methods=["DELETE"]),
    ]
