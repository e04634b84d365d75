"""Finding what a member pasted into an app's search: an account by handle, or an account,
a note or a listing by URL, fetched from its server when we do not know it yet (Mastodon's
search with `resolve=true`).

Every fetch goes through the remote directory (`instance.directory`), so the federation
policy applies before any request (a refused domain raises `Refused`, nothing is fetched),
requests are signed, and the document fetched must carry the id asked for. A note or a
listing is kept only when its author is on its own server (`federation.authorship`) and it
is public or unlisted; a listing needs its city's currency, as the inbox and the backfill
ask for it (`services.origins`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from exchange import listings, remote_listings, remote_notes
from federation.actor_document import ACTOR_TYPES
from federation.authorship import same_origin
from federation.inbound_listing import parse_listing
from federation.inbound_note import parse_note
from models import Note, RemoteActor

from .origins import currency_of

if TYPE_CHECKING:
    from instance.city import City


@dataclass(frozen=True)
class Resolved:
    """An account, or the URI of a note or listing we keep (it is a status), or nothing."""

    actor: RemoteActor | None = None
    object_uri: str | None = None


def is_url(text: str) -> bool:
    return text.startswith(("https://", "http://"))


def _known(session: Session, url: str) -> Resolved | None:
    listing = listings.by_uri(session, url)
    if listing is not None:
        return Resolved(object_uri=listing.uri)
    note_uri = session.scalar(select(Note.uri).where(or_(Note.uri == url, Note.url == url)))
    if note_uri is not None:
        return Resolved(object_uri=note_uri)
    actor = session.scalar(
        select(RemoteActor).where(or_(RemoteActor.uri == url, RemoteActor.url == url)).limit(1)
    )
    return Resolved(actor=actor) if actor is not None else None


async def resolve(city: City, text: str) -> Resolved:
    """What `text` (`@name@host`, `name@host` or a URL) names, fetched if need be.

    Raises `instance.directory.Refused` (the policy), `FetchError` (the server), ValueError
    (not a handle).
    """
    directory = city.fediverse.directory
    if not is_url(text):
        return Resolved(actor=await directory.lookup(text))
    known = await city.db.read(lambda s: _known(s, text))
    if known is not None:
        return known
    if city.urls.is_local(text):  # ours and not a note, listing or account: nothing to fetch
        return Resolved()
    document = await directory.fetch(text)
    if document.get("type") in ACTOR_TYPES:
        return Resolved(actor=await directory.actor(text))
    listing = parse_listing(document)
    note = listing.note if listing is not None else parse_note(document)
    if note is None or note.attributed_to is None or not same_origin(note.attributed_to, text):
        return Resolved()
    author = await directory.actor(note.attributed_to)
    if note.visibility(author.followers) not in ("public", "unlisted"):
        return Resolved()
    currency = await currency_of(city, text) if listing is not None else None
    if listing is not None and currency is None:
        return Resolved()
    media = (await city.fediverse.policy.current()).verdict(text).reject_media

    def write(session: Session) -> Resolved:
        keeper = session.merge(author)
        if listing is not None:
            assert currency is not None
            stored = remote_listings.store(session, keeper, listing, currency, reject_media=media)
            return Resolved(object_uri=stored.uri) if stored is not None else Resolved()
        assert note is not None
        kept = remote_notes.store(session, keeper, note, addressed_here=True, reject_media=media)
        return Resolved(object_uri=kept.uri) if kept is not None else Resolved()

    return await city.db.write(write)
