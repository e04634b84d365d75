"""`DELETE /api/v1/profile/avatar` and `/api/v1/profile/header` (Mastodon 4.2): the member
goes back to the default picture, or to no header. Answers the member's own Account
(CredentialAccount).

Both go through `services.social.update_profile` (`remove_avatar`, `remove_header`), the use
case of the profile page and `update_credentials`: the followers get an `Update` of the
actor without its `icon` or `image`. The file is removed from the media store once the
change is committed, so a failed transaction never leaves the member pointing at a deleted
file. With no picture of that kind set, nothing changes and nothing federates.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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


def _remover(picture: str) -> Callable[[Request], Awaitable[Response]]:
    """`DELETE /api/v1/profile/{picture}`: back to no picture of that kind."""

    @mastodon_errors
    async def delete(request: Request) -> Response:
        member, _ = await member_viewer(request, "write:accounts")
        city = city_of(request)
        removed: list[str] = []

        def write(session: Session) -> dict[str, Any]:
            fresh = session.get_one(Member, member.id)
            current = getattr(fresh, picture)
            if current is not None:
                removed.append(current)
                social.update_profile(
                    session,
                    city,
                    fresh,
                    remove_avatar=picture == "avatar",
                    remove_header=picture == "header",
                )
            return entities.credential_account(city, fresh, entities.counts(session, city, fresh))

        answer = await city.db.write(write)
        for name in removed:
            await in_thread(photos.remove, city.media, name)
        return JSONResponse(answer)

    return delete


def routes() -> list[Route]:
    return [
        Route("/api/v1/profile/avatar", _remover("avatar"), methods=["DELETE"]),
        Route("/api/v1/profile/header", _remover("header"), methods=["DELETE"]),
    ]
