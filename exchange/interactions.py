"""What a member hears when a remote account likes or boosts one of their notes or listings.

The `interactions` rows themselves are written by the inbox (inbox/interactions.py); this
tells the author, once per Like or Announce, as Mastodon's `favourite` and `reblog`
notifications do.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Listing, Note, NotificationKind, RemoteActor

from .notifications import notify

KINDS = {"Like": NotificationKind.favourite, "Announce": NotificationKind.reblog}
VERBS = {"Like": "liked", "Announce": "boosted"}


def tell_author(session: Session, object_uri: str, actor: RemoteActor, kind: str) -> None:
    """Notify the member whose note or listing `object_uri` is (nobody for anything else)."""
    if kind not in KINDS:
        return
    note = session.scalar(select(Note).where(Note.uri == object_uri, Note.member_id.is_not(None)))
    if note is not None and note.member_id is not None:
        notify(
            session,
            note.member_id,
            KINDS[kind],
            code=f"{VERBS[kind]}_note",
            params={"who": f"@{actor.handle}"},
            remote_actor_id=actor.id,
            note_id=note.id,
        )
        return
    listing = session.scalar(
        select(Listing).where(Listing.uri == object_uri, Listing.member_id.is_not(None))
    )
    if listing is not None and listing.member_id is not None:
        notify(
            session,
            listing.member_id,
            KINDS[kind],
            code=f"{VERBS[kind]}_listing",
            params={"who": f"@{actor.handle}", "title": listing.title},
            remote_actor_id=actor.id,
            listing_id=listing.id,
        )
