"""Notes from other servers, as this city keeps them.

A remote note (an `InboundNote`, federation/inbound_note.py) is kept when it concerns this
city, as Mastodon's "related to local activity": it is addressed to one of ours or replies
to one of our objects (what the caller tells as `addressed_here`), or one of our actors
follows its author. Its HTML is sanitized and its content cut before it is stored. Only the
author may edit or delete a note; a deleted note stays as a tombstone so that a late Create
changes nothing. Functions over a session; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.inbound_note import InboundNote
from instance.html import html_to_text, sanitize_html
from models import Direction, Follow, Note, RemoteActor, utcnow

from . import note_edits

MAX_CONTENT = 100_000
MAX_ATTACHMENTS = 4


@dataclass(frozen=True)
class RemoteNoteFields:
    """What we keep of a remote note (its id, author and times aside)."""

    content: str
    visibility: str
    to: list[str]
    cc: list[str]
    in_reply_to: str | None
    context: str | None
    url: str | None
    attachments: list[dict[str, Any]]
    tags: list[dict[str, Any]]
    summary: str | None = None
    sensitive: bool = False


def fields_of(note: InboundNote, followers: str | None, *, reject_media: bool) -> RemoteNoteFields:
    """The fields we keep; without attachments when the author's domain's media are refused."""
    attachments = [
        {
            "type": "Image",
            "url": item.url,
            "mediaType": item.media_type[:100],
            "name": (item.name or item.summary)[:1500],
        }
        for item in note.attachments[:MAX_ATTACHMENTS]
        if item.url is not None and item.url.startswith(("https://", "http://"))
    ]
    return RemoteNoteFields(
        content=sanitize_html(note.content[:MAX_CONTENT]),
        visibility=note.visibility(followers),
        to=list(note.to),
        cc=list(note.cc),
        in_reply_to=note.in_reply_to,
        context=note.context or note.conversation,
        url=note.url,
        attachments=[] if reject_media else attachments,
        tags=[{"type": tag.type, "name": tag.name[:200], "href": tag.href} for tag in note.tags],
        summary=html_to_text(note.summary)[:500] if note.summary else None,
        sensitive=note.sensitive,
    )


def _write(row: Note, fields: RemoteNoteFields) -> None:
    row.content = fields.content
    row.visibility = fields.visibility
    row.to = fields.to
    row.cc = fields.cc
    row.in_reply_to = fields.in_reply_to
    row.context = fields.context
    row.url = fields.url
    row.attachments = fields.attachments
    row.tags = fields.tags
    row.summary = fields.summary
    row.sensitive = fields.sensitive


def _author_followed(session: Session, author: RemoteActor) -> bool:
    # A pending follow counts too: the author's server sends us its posts only once it has
    # accepted, and its Accept may still be on its way when the first post arrives.
    query = select(Follow.id).where(
        Follow.remote_actor_id == author.id, Follow.direction == Direction.outbound
    )
    return session.scalar(query.limit(1)) is not None


def store(
    session: Session,
    author: RemoteActor,
    note: InboundNote,
    *,
    addressed_here: bool,
    reject_media: bool,
) -> Note | None:
    """Keep a note that concerns us, once: a repeat, or a Create after a Delete, changes nothing."""
    if session.scalar(select(Note.id).where(Note.uri == note.id)) is not None:
        return None
    if not addressed_here and not _author_followed(session, author):
        return None
    row = Note(uri=note.id, remote_actor_id=author.id, published=note.published or utcnow())
    _write(row, fields_of(note, author.followers, reject_media=reject_media))
    session.add(row)
    return row


def revise(session: Session, author: RemoteActor, note: InboundNote, *, reject_media: bool) -> bool:
    """Apply the author's edit of a note we keep; an older edit arriving late changes nothing."""
    query = select(Note).where(Note.uri == note.id, Note.remote_actor_id == author.id)
    row = session.scalar(query)
    if row is None or row.deleted_at is not None:
        return False
    updated = note.updated or utcnow()
    if row.updated is not None and updated <= row.updated:
        return False
    note_edits.keep_version(session, row)
    _write(row, fields_of(note, author.followers, reject_media=reject_media))
    row.updated = updated
    return True


def tombstone(session: Session, author: RemoteActor | None, uri: str) -> None:
    """The author deleted a note: empty it, or leave a tombstone so a late Create is ignored.

    The tombstone of an id we never saw is kept even when we do not know its sender (the
    caller has checked that the id is on the sender's host): its author is then left empty.
    """
    row = session.scalar(select(Note).where(Note.uri == uri))
    if row is None:
        session.add(
            Note(
                uri=uri,
                remote_actor_id=author.id if author is not None else None,
                deleted_at=utcnow(),
                visibility="direct",
            )
        )
    elif author is not None and row.remote_actor_id == author.id and row.deleted_at is None:
        row.deleted_at = utcnow()
        row.content = ""
        row.attachments = []


def hide_for_group(session: Session, group: str, uri: str, *, hidden: bool = True) -> bool:
    """The discussion Group a kept note was posted to removed it (a moderator's hide there), or
    brought it back: our copy leaves the timelines (or returns). Only a note addressed to that
    Group (its `to` or `cc`) is touched, so a Group cannot hide what was not posted to it.
    The row is locked: a move announced by the new Group at the same moment readdresses it,
    and the old Group's removal must read that, not write over it."""
    row = session.scalar(select(Note).where(Note.uri == uri).with_for_update())
    if row is None or group not in [*(row.to or []), *(row.cc or [])]:
        return False
    row.hidden_at = utcnow() if hidden else None
    return True
