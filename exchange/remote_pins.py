"""Remote accounts' pinned posts (models/remote_pin.py): the `featured` collection read
when the actor is fetched (`replace`), its `Add` and `Remove` (`add`, `remove`), and the
statuses `?pinned=true` shows (`pinned`).

A pinned post is kept as a remote note, as if it had been sent to us, when it is public or
unlisted (a followers-only or direct one is no pin anyone here may see, and is left out);
one we keep already counts only if it is that actor's and not deleted. A post that is one
of that city's listings (stored as a listing here) is left out: a listing's pins show on
its own server. At most `featured_collection.MAX_ITEMS` pins are kept per actor.

Functions over a Session; they never commit and never fetch (services/remote_pin_jobs.py
and inbox/featured.py fetch, through instance/directory.py).
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from federation.featured_collection import MAX_ITEMS
from federation.inbound_note import InboundNote
from models import Listing, Note, RemoteActor, RemotePin, Status

from . import remote_notes
from .statuses import Viewer, visible_ids

#: what a pin may be: what anyone may read
PINNABLE = ("public", "unlisted")


def _kept_note(
    session: Session,
    author: RemoteActor,
    uri: str,
    note: InboundNote | None,
    *,
    reject_media: bool,
) -> Note | None:
    """The kept note a pin of `uri` points at: the one we have, else `note` stored now
    (None: only one we have will do)."""
    if session.scalar(select(Listing.id).where(Listing.uri == uri)) is not None:
        return None
    row = session.scalar(select(Note).where(Note.uri == uri))
    if row is not None:
        mine = row.remote_actor_id == author.id and row.deleted_at is None
        return row if mine and row.visibility in PINNABLE else None
    if note is None or note.id != uri or note.attributed_to != author.uri:
        return None
    fields = remote_notes.fields_of(note, author.followers, reject_media=reject_media)
    if fields.visibility not in PINNABLE:
        return None
    row = remote_notes.store(session, author, note, addressed_here=True, reject_media=reject_media)
    session.flush()
    return row


def replace(
    session: Session, author: RemoteActor, notes: list[InboundNote], *, reject_media: bool
) -> list[int]:
    """The actor's pins become these notes, in this order (the collection's); returns the
    kept notes' ids."""
    ids: list[int] = []
    for note in notes[:MAX_ITEMS]:
        row = _kept_note(session, author, note.id, note, reject_media=reject_media)
        if row is not None and row.id not in ids:
            ids.append(row.id)
    session.execute(
        delete(RemotePin).where(
            RemotePin.remote_actor_id == author.id, RemotePin.note_id.not_in(ids)
        )
    )
    existing = {
        p.note_id: p
        for p in session.scalars(select(RemotePin).where(RemotePin.remote_actor_id == author.id))
    }
    for position, note_id in enumerate(ids):
        pin = existing.get(note_id)
        if pin is None:
            session.add(RemotePin(remote_actor_id=author.id, note_id=note_id, position=position))
        else:
            pin.position = position
    session.flush()
    return ids


def is_kept(session: Session, author: RemoteActor, uri: str) -> bool:
    """Whether we keep the actor's note `uri` already (an `Add` of it needs no fetch)."""
    found = select(Note.id).where(Note.uri == uri, Note.remote_actor_id == author.id)
    return session.scalar(found) is not None


def add(
    session: Session,
    author: RemoteActor,
    uri: str,
    note: InboundNote | None,
    *,
    reject_media: bool,
) -> bool:
    """The actor pinned the note `uri` (its `Add`), one we keep or `note`: first of its
    pins; again changes nothing. Past `MAX_ITEMS`, its oldest pin is dropped."""
    row = _kept_note(session, author, uri, note, reject_media=reject_media)
    if row is None:
        return False
    pins = RemotePin.remote_actor_id == author.id
    if session.scalar(select(RemotePin.id).where(pins, RemotePin.note_id == row.id)) is not None:
        return False
    first = session.scalar(select(func.min(RemotePin.position)).where(pins))
    session.add(
        RemotePin(
            remote_actor_id=author.id,
            note_id=row.id,
            position=0 if first is None else first - 1,
        )
    )
    session.flush()
    kept = select(RemotePin.id).where(pins).order_by(RemotePin.position).limit(MAX_ITEMS)
    session.execute(delete(RemotePin).where(pins, RemotePin.id.not_in(kept)))
    return True


def remove(session: Session, author: RemoteActor, uri: str) -> bool:
    """The actor unpinned the note `uri` (its `Remove`); one not pinned is no error."""
    gone = session.execute(
        delete(RemotePin).where(
            RemotePin.remote_actor_id == author.id,
            RemotePin.note_id.in_(select(Note.id).where(Note.uri == uri)),
        )
    )
    return bool(gone.rowcount)  # type: ignore[attr-defined]


def pinned(session: Session, viewer: Viewer, actor_id: int) -> list[int]:
    """The status ids of the actor's pins, in the collection's order, that the viewer may
    see (a pin whose note was deleted or hidden here is not shown)."""
    ids = list(
        session.scalars(
            select(Status.id)
            .join(RemotePin, RemotePin.note_id == Status.note_id)
            .where(RemotePin.remote_actor_id == actor_id, Status.reblog_of_id.is_(None))
            .order_by(RemotePin.position, RemotePin.id)
        )
    )
    shown = visible_ids(session, viewer, ids)
    return [i for i in ids if i in shown]
