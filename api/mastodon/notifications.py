"""`/api/v1/notifications`: the member's notifications as Mastodon's, with paging, one by
id, dismiss one, clear all.

Our notifications are about negotiations (offers, counter-offers, acceptances, refusals,
messages) and listings (approved, expired, taken down): Mastodon has no type for them, so
each is a `mention` whose account is the counterpart (the other side of the negotiation, or
the author of the listing when it is not the member) and whose status is a direct status
carrying our text and a link to the page where the member answers (entities.notification).
A remote account following the member is a `follow` (or `follow_request` when the member
approves followers); its Like or Announce of the member's note or listing a `favourite` or
`reblog` of that status; a direct note received a `mention` of that note.
`types[]` and `exclude_types[]` filter on Mastodon types. `unread_count` counts those newer
than the member's notifications marker (exchange/markers.py). Those from an account the member
blocks, or mutes with its notifications, are left out (`notifications.shown`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import markers, notifications
from exchange.statuses import run_page
from instance.city import City, city_of
from models import (
    Listing,
    Member,
    Negotiation,
    Note,
    Notification,
    NotificationKind,
    RemoteActor,
    Status,
    utcnow,
)

from . import entities, filtering
from .common import int_id, mastodon_errors, member_viewer, paged_response, paging

#: kinds about a listing itself (shown as its status), not about a negotiation over it
REAL_STATUS_KINDS = (NotificationKind.favourite, NotificationKind.reblog)


def _who_and_link(
    session: Session, city: City, member: Member, row: Notification
) -> tuple[entities.Account, str | None]:
    link: str | None = None
    who: entities.Account = member
    if row.negotiation_id is not None:
        negotiation = session.get(Negotiation, row.negotiation_id)
        if negotiation is not None:
            link = city.urls.negotiation(negotiation.public_id)
            if negotiation.buyer_member_id == member.id:
                other_member, other_actor = (
                    negotiation.seller_member_id,
                    negotiation.seller_actor_id,
                )
            else:
                other_member, other_actor = negotiation.buyer_member_id, negotiation.buyer_actor_id
            found = (
                session.get(Member, other_member)
                if other_member is not None
                else session.get(RemoteActor, other_actor)
            )
            who = found or who
    if row.listing_id is not None:
        listing = session.get(Listing, row.listing_id)
        if listing is not None:
            link = link or listing.uri
            if row.negotiation_id is None and listing.remote_actor_id is not None:
                who = session.get(RemoteActor, listing.remote_actor_id) or who
    return who, link


def _status_of(session: Session, row: Notification) -> int | None:
    """The real status a notification is about: the note, else the listing (none for the
    negotiation events, whose status is made from the notification)."""
    if row.note_id is not None:
        return session.scalar(select(Status.id).where(Status.note_id == row.note_id))
    if row.kind in REAL_STATUS_KINDS and row.listing_id is not None:
        return session.scalar(select(Status.id).where(Status.listing_id == row.listing_id))
    return None


def _note_author(session: Session, row: Notification) -> Member | None:
    """The member who wrote the note of a notification (another member's direct note)."""
    note = session.get(Note, row.note_id) if row.note_id is not None else None
    return session.get(Member, note.member_id) if note is not None and note.member_id else None


def render(session: Session, city: City, member: Member, row: Notification) -> dict[str, Any]:
    actor = session.get(RemoteActor, row.remote_actor_id) if row.remote_actor_id else None
    if row.kind in (NotificationKind.follow, NotificationKind.follow_request) and actor:
        return entities.notification_with(city, row, actor, None)
    sid = _status_of(session, row)
    if sid is not None:
        shown = entities.statuses(session, city, [sid], member)
        if shown:
            return entities.notification_with(
                city, row, actor or _note_author(session, row) or member, shown[0]
            )
    who, link = _who_and_link(session, city, member, row)
    return entities.notification(city, row, actor or who, link)


def filtered(session: Session, member: Member, shown: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The notifications with their statuses marked by the member's filters of the
    `notifications` context, less those whose status a `hide` filter of it hides
    (api/mastodon/filtering.py); ours made from a notification are matched on their text."""
    statuses = [n["status"] for n in shown if "status" in n]
    kept = {id(s) for s in filtering.apply(session, member, statuses, "notifications")}
    return [n for n in shown if "status" not in n or id(n["status"]) in kept]


def _kinds(request: Request) -> list[NotificationKind]:
    """Our kinds left by `types[]` and `exclude_types[]` (Mastodon's type names)."""
    params = request.query_params.multi_items()
    types = {v for k, v in params if k in ("types", "types[]")}
    excluded = {v for k, v in params if k in ("exclude_types", "exclude_types[]")}
    wanted = (types or set(entities.PRODUCED_TYPES)) - excluded
    return entities.kinds_of(wanted)


@mastodon_errors
async def index(request: Request) -> Response:
    member, _ = await member_viewer(request, "read:notifications")
    city = city_of(request)
    page = paging(request, default=40, most=80)
    kinds = _kinds(request)

    def read(session: Session) -> tuple[list[dict[str, Any]], list[int]]:
        if not kinds:
            return [], []
        query = select(Notification.id).where(
            Notification.member_id == member.id,
            Notification.kind.in_(kinds),
            notifications.shown(member.id, utcnow(), domains=member.blocked_domains > 0),
        )
        ids = run_page(session, query, Notification.id, page)
        rows = {
            n.id: n for n in session.scalars(select(Notification).where(Notification.id.in_(ids)))
        }
        shown = [render(session, city, member, rows[i]) for i in ids if i in rows]
        return filtered(session, member, shown), ids

    items, ids = await city.db.read(read)
    return paged_response(request, items, ids)


#: Mastodon's `unread_count` limits: counted up to 100 unless asked, never past 1000
UNREAD_DEFAULT, UNREAD_MOST = 100, 1000


@mastodon_errors
async def unread_count(request: Request) -> Response:
    """How many notifications are newer than the member's notifications marker (Mastodon
    4.3), filtered by `types[]` / `exclude_types[]` as the list is, counted up to `limit`."""
    member, _ = await member_viewer(request, "read:notifications")
    raw = request.query_params.get("limit", "")
    limit = max(1, min(int(raw), UNREAD_MOST)) if raw.isdigit() else UNREAD_DEFAULT
    kinds = _kinds(request)
    count = await city_of(request).db.read(
        lambda s: markers.unread_notifications(s, member, kinds, limit)
    )
    return JSONResponse({"count": count})


@mastodon_errors
async def show(request: Request) -> Response:
    member, _ = await member_viewer(request, "read:notifications")
    city = city_of(request)
    nid = int_id(request.path_params["id"])

    def read(session: Session) -> dict[str, Any]:
        row = notifications.own(session, member, nid)
        return render(session, city, member, row)

    return JSONResponse(await city.db.read(read))


@mastodon_errors
async def dismiss(request: Request) -> Response:
    member, _ = await member_viewer(request, "write:notifications")
    nid = int_id(request.path_params["id"])
    await city_of(request).db.write(lambda s: notifications.dismiss(s, member, nid))
    return JSONResponse({})


@mastodon_errors
async def clear(request: Request) -> Response:
    member, _ = await member_viewer(request, "write:notifications")
    await city_of(request).db.write(lambda s: notifications.clear(s, member))
    return JSONResponse({})


def routes() -> list[Route]:
    return [
        Route("/api/v1/notifications", index, methods=["GET"]),
        Route("/api/v1/notifications/clear", clear, methods=["POST"]),
        Route("/api/v1/notifications/unread_count", unread_count, methods=["GET"]),
        Route("/api/v1/notifications/{id}", show, methods=["GET"]),
        Route("/api/v1/notifications/{id}/dismiss", dismiss, methods=["POST"]),
    ]
