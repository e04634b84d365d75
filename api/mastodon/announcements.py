"""The city's announcements in apps, as Mastodon 4.3 serves them: `GET /api/v1/announcements`
(`read`), `POST /api/v1/announcements/{id}/dismiss` (`write:accounts`), and
`PUT` / `DELETE /api/v1/announcements/{id}/reactions/{name}` (`write:favourites`).

Staff write and publish them from the command line and /admin/announcements
(exchange/announcements.py has the rules). An announcement that is not shown now (a draft,
unpublished, ended, or none) is 404 `Record not found` to every endpoint but the list.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import announcements
from instance.city import city_of
from instance.html import sanitize_html, text_to_html
from models import Announcement, Member

from . import entities
from .common import int_id, mastodon_errors, member_viewer

#: what Mastodon reads as true in a query (`with_dismissed=true`)
TRUTHY = ("true", "1", "on", "yes", "t")


def announcement(
    row: Announcement, read: bool, found: list[announcements.Reaction]
) -> dict[str, Any]:
    """The Announcement entity: every field Mastodon 4.3 sends. `mentions`, `statuses`,
    `tags` and `emojis` are empty: the text is the city's plain words, linking no account,
    status or custom emoji."""
    return {
        "id": str(row.id),
        "content": sanitize_html(text_to_html(row.text)),
        "starts_at": entities.iso(row.starts_at) if row.starts_at is not None else None,
        "ends_at": entities.iso(row.ends_at) if row.ends_at is not None else None,
        "all_day": row.all_day,
        "published_at": entities.iso(row.published_at or row.created_at),
        "updated_at": entities.iso(row.updated_at),
        "read": read,
        "mentions": [],
        "statuses": [],
        "tags": [],
        "emojis": [],
        "reactions": [{"name": r.name, "count": r.count, "me": r.me} for r in found],
    }


def rendered(session: Session, member: Member, rows: list[Announcement]) -> list[dict[str, Any]]:
    """The entities of `rows` as `member` sees them, in three reads whatever their number."""
    ids = [row.id for row in rows]
    read = announcements.read_ids(session, member, ids)
    found = announcements.reactions(session, ids, member)
    return [announcement(row, row.id in read, found.get(row.id, [])) for row in rows]


@mastodon_errors
async def index(request: Request) -> Response:
    """The announcements shown now; `with_dismissed=true` keeps those the member dismissed."""
    member, _ = await member_viewer(request, "read")
    asked = request.query_params.get("with_dismissed", "").strip().lower() in TRUTHY

    def read(session: Session) -> list[dict[str, Any]]:
        rows = announcements.shown(session, member, with_dismissed=asked)
        return rendered(session, member, rows)

    return JSONResponse(await city_of(request).db.read(read))


@mastodon_errors
async def dismiss(request: Request) -> Response:
    member, _ = await member_viewer(request, "write:accounts")
    number = int_id(request.path_params["id"])

    def write(session: Session) -> None:
        announcements.dismiss(session, member, announcements.visible(session, number))

    await city_of(request).db.write(write)
    return JSONResponse({})


def _reaction(adding: bool) -> Any:
    @mastodon_errors
    async def endpoint(request: Request) -> Response:
        member, _ = await member_viewer(request, "write:favourites")
        number = int_id(request.path_params["id"])
        name = request.path_params["name"]  # decoded by the router

        def write(session: Session) -> None:
            row = announcements.visible(session, number)
            if adding:
                announcements.react(session, member, row, name)
            else:
                announcements.unreact(session, member, row, name)

        await city_of(request).db.write(write)
        return JSONResponse({})

    return endpoint


def routes() -> list[Route]:
    return [
        Route("/api/v1/announcements", index, methods=["GET"]),
        Route("/api/v1/announcements/{id}/dismiss", dismiss, methods=["POST"]),
        Route("/api/v1/announcements/{id}/reactions/{name}", _reaction(True), methods=["PUT"]),
        Route("/api/v1/announcements/{id}/reactions/{name}", _reaction(False), methods=["DELETE"]),
    ]
