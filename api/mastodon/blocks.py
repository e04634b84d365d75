"""Blocks and mutes from apps: `POST /api/v1/accounts/{id}/block`, `/unblock`, `/mute`,
`/unmute` (answering the Relationship), and the member's lists `GET /api/v1/blocks` and
`/api/v1/mutes`, paged by the block or mute as Mastodon pages them (`Link` headers).

An account here is a member of this city or a remote account (services.blocks: a remote
one is told of a block by a `Block`); one of this city's discussion spaces is neither
blocked nor muted (422). The scopes are Mastodon's: `write:blocks` / `read:blocks`,
`write:mutes` / `read:mutes`, each covered by `follow`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import account_blocks, account_mutes
from exchange.account_blocks import Target
from exchange.errors import DomainError, NotFound
from instance.city import city_of
from models import DiscussionSpace, Member
from services import blocks

from . import entities
from .common import body, first, mastodon_errors, member_viewer, paged_response, paging


def _target(session: Session, value: str) -> Target:
    number = int(value) if value.isdigit() and len(value) <= 18 else -1
    found = entities.find_account(session, number)
    if found is None:
        raise NotFound("account")
    if isinstance(found, DiscussionSpace):
        raise DomainError(
            "space_block", "this city's discussion spaces are not blocked or muted", 422
        )
    return found


def _mine(session: Session, member: Member) -> Member:
    return session.get_one(Member, member.id)


@mastodon_errors
async def block(request: Request) -> Response:
    member, viewer = await member_viewer(request, "write:blocks")
    city = city_of(request)

    def write(session: Session) -> dict[str, Any]:
        target = _target(session, request.path_params["id"])
        blocks.block(session, city, _mine(session, member), target)
        return entities.relationship_of(session, viewer, target)

    return JSONResponse(await city.db.write(write))


@mastodon_errors
async def unblock(request: Request) -> Response:
    """Not blocking already is no error (Mastodon answers the same)."""
    member, viewer = await member_viewer(request, "write:blocks")
    city = city_of(request)

    def write(session: Session) -> dict[str, Any]:
        target = _target(session, request.path_params["id"])
        blocks.unblock(session, city, _mine(session, member), target)
        return entities.relationship_of(session, viewer, target)

    return JSONResponse(await city.db.write(write))


def _duration(value: str | None) -> int:
    if value is None or value.strip() in ("", "null", "None"):
        return 0
    if not value.strip().isdigit():
        raise DomainError("invalid_duration", "duration must be a number of seconds", 422)
    return int(value.strip())


@mastodon_errors
async def mute(request: Request) -> Response:
    """`notifications` (default true: hide its notifications too), `duration` in seconds (0:
    until unmuted); muting again changes both."""
    member, viewer = await member_viewer(request, "write:mutes")
    city = city_of(request)
    values = await body(request)
    sent = first(values, "notifications")
    notifications = sent is None or sent.strip().lower() in ("true", "1", "on", "yes")
    duration = _duration(first(values, "duration"))

    def write(session: Session) -> dict[str, Any]:
        target = _target(session, request.path_params["id"])
        account_mutes.mute(
            session,
            _mine(session, member),
            target,
            notifications=notifications,
            duration=duration,
        )
        return entities.relationship_of(session, viewer, target)

    return JSONResponse(await city.db.write(write))


@mastodon_errors
async def unmute(request: Request) -> Response:
    member, viewer = await member_viewer(request, "write:mutes")
    city = city_of(request)

    def write(session: Session) -> dict[str, Any]:
        target = _target(session, request.path_params["id"])
        account_mutes.unmute(session, _mine(session, member), target)
        return entities.relationship_of(session, viewer, target)

    return JSONResponse(await city.db.write(write))


@mastodon_errors
async def blocked(request: Request) -> Response:
    """The accounts the member blocks, the latest first."""
    member, _ = await member_viewer(request, "read:blocks")
    city = city_of(request)
    page = paging(request, default=40, most=80)

    def read(session: Session) -> tuple[list[dict[str, Any]], list[int]]:
        ids = account_blocks.page(session, member, page)
        found = account_blocks.targets(session, ids)
        return [entities.account(city, found[i]) for i in ids if i in found], ids

    items, ids = await city.db.read(read)
    return paged_response(request, items, ids)


@mastodon_errors
async def muted(request: Request) -> Response:
    """The accounts the member mutes now, the latest first, each with `mute_expires_at`."""
    member, _ = await member_viewer(request, "read:mutes")
    city = city_of(request)
    page = paging(request, default=40, most=80)

    def read(session: Session) -> tuple[list[dict[str, Any]], list[int]]:
        ids = account_mutes.page(session, member, page)
        found = account_mutes.rows(session, ids)
        items = []
        for i in ids:
            if i in found:
                row, target = found[i]
                shown = entities.account(city, target)
                shown["mute_expires_at"] = (
                    entities.iso(row.expires_at) if row.expires_at is not None else None
                )
                items.append(shown)
        return items, ids

    items, ids = await city.db.read(read)
    return paged_response(request, items, ids)


def routes() -> list[Route]:
    return [
        Route("/api/v1/accounts/{id}/block", block, methods=["POST"]),
        Route("/api/v1/accounts/{id}/unblock", unblock, methods=["POST"]),
        Route("/api/v1/accounts/{id}/mute", mute, methods=["POST"]),
        Route("/api/v1/accounts/{id}/unmute", unmute, methods=["POST"]),
        Route("/api/v1/blocks", blocked, methods=["GET"]),
        Route("/api/v1/mutes", muted, methods=["GET"]),
    ]
