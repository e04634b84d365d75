"""Create, Update and Delete: remote notes, and remote actors updating or deleting themselves.

A remote note is kept when it concerns this city (Mastodon's "related to local activity"):
its author is followed by one of our actors, it is addressed to one of ours, or it replies
to one of our objects. Its HTML is sanitized before it is stored. Only the author may change
or delete a note, and a deleted note stays as a tombstone so that a late Create is ignored.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from federation.actor_document import parse_actor_document
from federation.authority import authority_of
from federation.authorship import authored_by, same_origin
from federation.inbound_note import InboundNote, parse_note
from federation.vocab import as_list
from instance.directory import store_actor
from instance.html import sanitize_html
from models import Direction, Follow, Note, RemoteActor, utcnow

from .process import Delivery

MAX_CONTENT = 100_000


def note_values(note: InboundNote, followers: str | None) -> dict[str, Any]:
    attachments = [
        {"type": "Image", "url": item.url, "mediaType": item.media_type[:100],
         "name": (item.name or item.summary)[:1500]}
        for item in note.attachments[:4]
        if item.url is not None and item.url.startswith(("https://", "http://"))
    ]
    tags = [{"type": tag.type, "name": tag.name[:200], "href": tag.href} for tag in note.tags]
    return {
        "content": sanitize_html(note.content[:MAX_CONTENT]),
        "visibility": note.visibility(followers),
        "to": list(note.to),
        "cc": list(note.cc),
        "in_reply_to": note.in_reply_to,
        "context": note.context or note.conversation,
        "url": note.url,
        "attachments": attachments,
        "tags": tags,
    }


def concerns_us(session: Session, delivery: Delivery, author: RemoteActor, note: InboundNote) -> bool:
    urls = delivery.city.urls
    addressed = [*note.to, *note.cc, *as_list(delivery.activity.get("to"))]
    if any(isinstance(a, str) and urls.is_local(a) for a in addressed):
        return True
    reply = note.in_reply_to
    if reply and urls.is_local(reply):
        return True
    # A pending follow counts too: the author's server sends us its posts only once it has
    # accepted, and its Accept may still be on its way when the first post arrives.
    followed = session.scalar(
        select(Follow.id).where(Follow.remote_actor_id == author.id, Follow.direction == Direction.outbound).limit(1)
    )
    return followed is not None


async def on_create(delivery: Delivery) -> None:
    note = parse_note(delivery.object)
    if note is None or not authored_by(delivery.object, delivery.actor_uri):
        await delivery.apply(lambda s: None)
        return
    author = await delivery.sender()
    no_media = (await delivery.city.fediverse.policy.current()).verdict(author.uri).reject_media

    def change(session: Session) -> None:
        if session.scalar(select(Note.id).where(Note.uri == note.id)) is not None:
            return  # already stored, or a tombstone: a late or repeated Create changes nothing
        if not concerns_us(session, delivery, author, note):
            return
        values = note_values(note, author.followers)
        if no_media:  # the domain is blocked with reject_media: keep the text, not the pictures
            values["attachments"] = []
        session.add(Note(uri=note.id, remote_actor_id=author.id, published=note.published or utcnow(),
                         **values))

    await delivery.apply(change)


async def on_update(delivery: Delivery) -> None:
    obj = delivery.object
    if isinstance(obj, dict) and obj.get("id") == delivery.actor_uri:
        document = parse_actor_document(obj)  # the actor's own new profile, signed by itself
        await delivery.apply(lambda s: store_actor(s, document))
        delivery.city.fediverse.directory.forget_domain(authority_of(delivery.actor_uri))
        return
    inbound = parse_note(obj)
    if inbound is None or not authored_by(obj, delivery.actor_uri):
        await delivery.apply(lambda s: None)
        return
    author = await delivery.sender()
    no_media = (await delivery.city.fediverse.policy.current()).verdict(author.uri).reject_media

    def change(session: Session) -> None:
        note = session.scalar(select(Note).where(Note.uri == inbound.id, Note.remote_actor_id == author.id))
        if note is None or note.deleted_at is not None:
            return
        updated = inbound.updated or utcnow()
        if note.updated is not None and updated <= note.updated:
            return  # an older edit arriving late
        values = note_values(inbound, author.followers)
        if no_media:
            values["attachments"] = []
        for name, value in values.items():
            setattr(note, name, value)
        note.updated = updated

    await delivery.apply(change)


async def on_delete(delivery: Delivery) -> None:
    object_id = delivery.object_id
    if object_id is None or not same_origin(object_id, delivery.actor_uri):
        await delivery.apply(lambda s: None)
        return
    if object_id == delivery.actor_uri:
        await delivery.apply(lambda s: delete_actor(s, delivery.actor_uri))
        return

    def change(session: Session) -> None:
        author = session.scalar(select(RemoteActor).where(RemoteActor.uri == delivery.actor_uri))
        if author is None:
            return
        note = session.scalar(select(Note).where(Note.uri == object_id))
        if note is None:
            session.add(Note(uri=object_id, remote_actor_id=author.id, deleted_at=utcnow(), visibility="direct"))
        elif note.remote_actor_id == author.id and note.deleted_at is None:
            note.deleted_at = utcnow()
            note.content = ""
            note.attachments = []

    await delivery.apply(change)


def delete_actor(session: Session, actor_uri: str) -> None:
    """A remote actor deleted itself: forget its follows and content, keep a tombstone row."""
    actor = session.scalar(select(RemoteActor).where(RemoteActor.uri == actor_uri))
    if actor is None or actor.deleted_at is not None:
        return
    actor.deleted_at = utcnow()
    session.execute(delete(Follow).where(Follow.remote_actor_id == actor.id))
    for note in session.scalars(select(Note).where(Note.remote_actor_id == actor.id, Note.deleted_at.is_(None))):
        note.deleted_at = utcnow()
        note.content = ""

