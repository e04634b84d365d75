"""A hashtag's page (`/tags/{tag}`, where every hashtag we link leads): what the Mastodon
API's tag timeline shows, for a browser.

The statuses are the tag timeline's own (exchange.tag_timeline.tagged: the public notes
carrying the hashtag, the listings of the category of that name and those carrying it), read
with the same viewer and federation policy as `/api/v1/timelines/tag/{tag}`, so the page
and the apps cannot disagree on what is shown to whom: no followers-only, direct or unlisted
note, nothing deleted, hidden or by a suspended account, no refused domain, a silenced one
only for accounts the member follows, and for a signed-in member not the accounts (or
domains) they block or mute. Newest first, paged by status id (`?before=`). Notes are shown
as the town timeline shows them, listings as the market's cards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from exchange import categories, tag_timeline
from exchange.statuses import Paging, Viewer
from exchange.statuses import rows as status_rows
from exchange.tag_timeline import TagFilter
from instance.city import City, city_of
from instance.html import sanitize_html
from instance.i18n import gettext as _
from models import Category, Member, Note, RemoteActor
from models.hashtag import normalize

from .market import decorate
from .pages import render
from .session import current_member

#: statuses a page shows
PAGE = 20


@dataclass(frozen=True)
class Entry:
    """One status of the page: a note with its author and sanitized HTML, or a listing's card
    (as `web.market.decorate` makes it)."""

    note: Note | None = None
    author: str = ""
    author_url: str = ""
    content: str = ""
    listing: dict[str, Any] | None = None


def _note_authors(session: Session, notes: list[Note]) -> dict[int, tuple[str, str]]:
    """(name, link) of each note's author, by note id: `@username` and their profile for ours,
    the handle and profile URL for another server's."""
    member_ids = {n.member_id for n in notes if n.member_id is not None}
    actor_ids = {n.remote_actor_id for n in notes if n.remote_actor_id is not None}
    names = dict(
        session.execute(select(Member.id, Member.username).where(Member.id.in_(member_ids))).all()
        if member_ids
        else []
    )
    actors = (
        {a.id: a for a in session.scalars(select(RemoteActor).where(RemoteActor.id.in_(actor_ids)))}
        if actor_ids
        else {}
    )
    found: dict[int, tuple[str, str]] = {}
    for note in notes:
        if note.member_id is not None and note.member_id in names:
            username = names[note.member_id]
            found[note.id] = (f"@{username}", f"/@{username}")
        elif (actor := actors.get(note.remote_actor_id or 0)) is not None:
            found[note.id] = (f"@{actor.handle}", actor.url or actor.uri)
    return found


def _entries(session: Session, city: City, ids: list[int]) -> list[Entry]:
    """The page's statuses in the order of `ids`."""
    found = status_rows(session, ids)
    notes = [r.note for r in found if r.note is not None]
    authors = _note_authors(session, notes)
    listed = [r.listing for r in found if r.listing is not None]
    cards = {card["listing"].id: card for card in decorate(session, city, listed)}
    entries: list[Entry] = []
    for row in found:
        if row.note is not None:
            author, link = authors.get(row.note.id, ("", ""))
            content = sanitize_html(row.note.content)
            entries.append(Entry(note=row.note, author=author, author_url=link, content=content))
        elif row.listing is not None and row.listing.id in cards:
            entries.append(Entry(listing=cards[row.listing.id]))
    return entries


async def tag_page(request: Request) -> Response:
    """One page of the hashtag's statuses, newest first; a name that is no hashtag is 404."""
    name = normalize(request.path_params["slug"])
    if name is None:
        raise HTTPException(404, _("No such hashtag."))
    city = city_of(request)
    member = await current_member(request)
    viewer = Viewer(member, city.urls.member(member.username) if member is not None else None)
    before = request.query_params.get("before", "")
    page = Paging(max_id=int(before) if before.isdigit() else None, limit=PAGE)
    policy = await city.fediverse.policy.current()

    def read(session: Session) -> tuple[list[int], list[Entry], Category | None]:
        ids = tag_timeline.tagged(
            session,
            viewer,
            page,
            TagFilter(name),
            silenced=lambda d: policy.verdict(d).silenced,
            refused=lambda d: not policy.allows(d),
        )
        return ids, _entries(session, city, ids), categories.find_category(session, name)

    ids, entries, category = await city.db.read(read)
    return await render(
        request,
        "tag.html",
        member=member,
        tag=name,
        category=category,
        entries=entries,
        older=ids[-1] if len(ids) == PAGE else None,
    )
