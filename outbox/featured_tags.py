"""A member's `featuredTags` collection (their featured hashtags), as Mastodon serves it: a
`Collection` of `Hashtag` objects (`name` with its `#`, `href` the hashtag's page here), all
on one page (ten at most). Mastodon reads it when it fetches the actor, and shows the tags
on the remote profile.

Nothing is sent when a member features or unfeatures a hashtag: Mastodon sends no activity
for it either, and other servers see the change when they next fetch the actor.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from exchange import featured_tags
from instance.city import City
from models import Member

from . import render
from .documents import member_collection


def render_featured_tags(city: City, member: Member, names: list[str]) -> dict[str, Any]:
    return {
        "@context": render.context(city.urls),
        "id": city.urls.featured_tags(city.urls.member(member.username)),
        "type": "Collection",
        "totalItems": len(names),
        "items": [{"type": "Hashtag", "href": city.urls.tag(n), "name": f"#{n}"} for n in names],
    }


async def featured_tags_collection(request: Request) -> Response:
    def rendered(session: Session, city: City, member: Member) -> dict[str, Any]:
        names = [f.name for f in featured_tags.featured(session, member.id)]
        return render_featured_tags(city, member, names)

    return await member_collection(request, rendered)
