"""`DELETE /api/v1/profile/avatar` and `/api/v1/profile/header` (Mastodon 4.2): the member
goes back to the default picture. Answers the member's own Account (CredentialAccount).

The avatar goes through `services.social.update_profile` (`remove_avatar`), the use case of
the profile page and `update_credentials`: the followers get an `Update` of the actor
without an `icon`. The file is removed from the media store once the change is committed,
so a failed transaction never leaves the member pointing at a deleted file. With no avatar
set, nothing changes and nothing federates. Comptoir has no header pictures: removing the
header changes nothing and answers the Account (whose `header` is the empty default).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import photos
from instance.city import city_of
from instance.media_store import in_thread
from models import Member
from services import social

from . import entities
from .common import mastodon_errors, member_viewer


@mastodon_errors
async def delete_avatar(request: Request) -> Response:
    member, _ = await member_viewer(request, "write:accounts")
    city = city_of(request)
    removed: list[str] = []

    def write(session: Session) -> dict[str, Any]:
        fresh = session.get_one(Member, member.id)
        if fresh.avatar is not None:
            removed.append(fresh.avatar)
            social.update_profile(session, city, fresh, remove_avatar=True)
        return entities.credential_account(city, fresh, entities.counts(session, city, fresh))

    answer = await city.db.write(write)
    for name in removed:
        await in_thread(photos.remove, city.media, name)
    return JSONResponse(answer)


@mastodon_errors
async def delete_header(request: Request) -> Response:
    member, _ = await member_viewer(request, "write:accounts")
    city = city_of(request)

    def read(session: Session) -> dict[str, Any]:
        fresh = session.get_one(Member, member.id)
        return entities.credential_account(city, fresh, entities.counts(session, city, fresh))

    return JSONResponse(await city.db.read(read))


def routes() -> list[Route]:
    return [
        Route("/api/v1/profile/avatar", delete_avatar, methods=["DELETE"]),
        Route("/api/v1/profile/header", delete_header, methods=["DELETE"]),
    ]
