"""A member's `featuredTags` collection (their featured hashtags), as Mastodon serves it: a
`Collection` of `Hashtag` objects (`name` with its `#`, `href` the hashtag's page here), all
on one page (ten at most). Mastodon reads it when it fetches the actor, and shows the tags
on the remote profile.

Nothing is sent when a member features or unfeatures a hashtag: Mastodon sends no activity
for it either, and other servers see the change when they next fetch the actor.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from exchange import featured_tags
from instance.city import City, city_of
from models import Member, MemberStatus

from . import render
from .documents import activity_json, signed_fetch_refusal


def render_featured_tags(city: City, member: Member, names: list[str]) -> dict[str, Any]:
    return {
        "@context": render.context(city.urls),
        "id": city.urls.featured_tags(city.urls.member(member.username)),
        "type": "Collection",
        "totalItems": len(names),
        "items": [{"type": "Hashtag", "href": city.urls.tag(n), "name": f"#{n}"} for n in names],
    }


async def featured_tags_collection(request: Request) -> Response:
    refusal = await signed_fetch_refusal(request)
    if refusal is not None:
        return refusal
    city = city_of(request)
    username = request.path_params["username"]

    def read(session: Session) -> dict[str, Any] | None:
        member = session.scalar(select(Member).where(Member.username == username))
        if member is None or member.status is not MemberStatus.active:
            return None
        names = [f.name for f in featured_tags.featured(session, member.id)]
        return render_featured_tags(city, member, names)

    found = await city.db.read(read)
    if found is None:
        return JSONResponse({"error": "no such member"}, status_code=404)
    return activity_json(found)
