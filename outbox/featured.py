"""A member's `featured` collection (their pinned statuses) and the `Add` / `Remove` that
tell their followers of a pin, as Mastodon serves and sends them.

Mastodon reads a remote profile's pins from the actor's `featured` (an `OrderedCollection`
of the whole Notes, newest pin first: `ActivityPub::CollectionsController`), fetched when
it first sees the account and again on each `Add` or `Remove` whose `target` is that
collection (`ActivityPub::AddSerializer`: actor, object = the status's URI, target; sent to
the followers' inboxes). Pinned notes and listings are listed (both are Notes on the wire);
a pinned discussion thread or reply is the space's Group's object and shows only in apps.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from exchange import status_pins
from exchange.statuses import StatusRow
from instance.city import City
from models import Member, new_public_id

from . import render
from .documents import member_collection
from .listings import render_listing
from .publish import Audience, publish


def _item(city: City, member: Member, row: StatusRow) -> dict[str, Any] | None:
    """The AS2 object of a pinned status, without its @context; None for a discussion."""
    if row.note is not None:
        document = render.render_note(city.urls, row.note, city.urls.member(member.username))
    elif row.listing is not None:
        document = render_listing(city, row.listing, member)
    else:
        return None
    return {key: value for key, value in document.items() if key != "@context"}


def render_featured(city: City, member: Member, rows: list[StatusRow]) -> dict[str, Any]:
    items = [item for row in rows if (item := _item(city, member, row)) is not None]
    return {
        "@context": render.context(city.urls, comptoir=True),
        "id": city.urls.featured(city.urls.member(member.username)),
        "type": "OrderedCollection",
        "totalItems": len(items),
        "orderedItems": items,
    }


async def featured_collection(request: Request) -> Response:
    return await member_collection(
        request,
        lambda s, city, member: render_featured(city, member, status_pins.featured(s, member.id)),
    )


def federates(row: StatusRow) -> bool:
    """Whether a pin of this status is told to other servers (a note or a listing)."""
    return row.status.reblog_of_id is None and (row.note is not None or row.listing is not None)


def announce_pin(session: Session, city: City, member: Member, uri: str, *, pinned: bool) -> None:
    """The member's `Add` (pinned) or `Remove` (unpinned) of the status to their
    `featured`, to their followers. Mastodon's carries no id nor addressing; ours has an id,
    as every activity we store and deliver, and no addressing either (it is not public:
    it stays out of the outbox collection)."""
    author = city.urls.member(member.username)
    document = {
        "@context": render.context(city.urls),
        "id": city.urls.activity(new_public_id()),
        "type": "Add" if pinned else "Remove",
        "actor": author,
        "object": uri,
        "target": city.urls.featured(author),
    }
    publish(session, city, document, Audience(followers_of=[author]))
