"""The hashtags a remote account's profile shows (its `featuredTags` collection, read by the
`actor.featured` job: services/remote_pin_jobs.py), kept in the actor's extra, and shown as
Mastodon's FeaturedTag entities with what we know of that account's statuses carrying each.

A profile's ornament, like pins: kept as names (no rows of their own), at most
`MAX_SHOWN`, each a valid hashtag name; a collection that could not be read leaves the names
as they were.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from instance.directory import FEATURED_TAG_NAMES
from models import Hashtag, Note, NoteHashtag, RemoteActor, Status
from models.hashtag import normalize

#: hashtags a profile shows (Mastodon lets an account feature ten)
MAX_SHOWN = 10


def kept_names(names: list[str]) -> list[str]:
    """The valid hashtag names of a collection, normalized, each once, at most `MAX_SHOWN`."""
    kept: list[str] = []
    for raw in names:
        name = normalize(raw)
        if name is not None and name not in kept:
            kept.append(name)
    return kept[:MAX_SHOWN]


def keep(actor: RemoteActor, names: list[str]) -> None:
    actor.extra = {**actor.extra, FEATURED_TAG_NAMES: names}


def names_of(actor: RemoteActor) -> list[str]:
    shown = actor.extra.get(FEATURED_TAG_NAMES)
    return [n for n in shown if isinstance(n, str)] if isinstance(shown, list) else []


#: (name, count, latest) of the account's public notes we keep carrying these hashtags
_COUNTS = (
    select(Hashtag.name, func.count(), func.max(Status.created_at))
    .select_from(NoteHashtag)
    .join(Hashtag, Hashtag.id == NoteHashtag.hashtag_id)
    .join(Note, Note.id == NoteHashtag.note_id)
    .join(Status, Status.id == NoteHashtag.status_id)
    .where(
        Hashtag.name.in_(bindparam("names", expanding=True)),
        Note.remote_actor_id == bindparam("actor"),
        Note.visibility == "public",
        Note.deleted_at.is_(None),
        Note.hidden_at.is_(None),
    )
    .group_by(Hashtag.name)
)


def shown(session: Session, actor: RemoteActor) -> list[tuple[str, int, datetime | None]]:
    """(name, statuses we know, the latest one's time) of each hashtag the profile shows, in
    the collection's order."""
    names = names_of(actor)
    if not names:
        return []
    counts = {
        name: (count, latest)
        for name, count, latest in session.execute(_COUNTS, {"names": names, "actor": actor.id})
    }
    return [(name, *counts.get(name, (0, None))) for name in names]
