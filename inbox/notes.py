"""Create, Update and Delete: remote notes, and remote actors updating or deleting themselves.

A remote note is kept when it concerns this city (Mastodon's "related to local activity"):
its author is followed by one of our actors, it is addressed to one of ours, or it replies
to one of our objects. Its HTML is sanitized before it is stored. Only the author may change
or delete a note, and a deleted note stays as a tombstone so that a late Create is ignored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from federation.actor_document import parse_actor_document
from federation.authority import authority_of
from federation.authorship import authored_by, same_origin
from federation.vocab import as_list, id_of, is_public
from instance.directory import store_actor
from instance.html import sanitize_html
from models import Direction, Follow, Note, RemoteActor, utcnow

from .process import Delivery

NOTE_TYPES = frozenset({"Note", "Question", "Article", "Page"})
MAX_CONTENT = 100_000


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def visibility_of(to: list[str], cc: list[str], followers: str | None) -> str:
    if is_public(to):
        return "public"
    if is_public(cc):
        return "unlisted"
    if followers and followers in to + cc:
        return "followers"
    return "direct"


def web_url(value: Any) -> str | None:
    """An http(s) URL, or None: what pages may link to (never `javascript:` or `data:`)."""
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) else None


def note_values(obj: dict[str, Any], followers: str | None) -> dict[str, Any]:
    to = [a for a in as_list(obj.get("to")) if isinstance(a, str)]
    cc = [a for a in as_list(obj.get("cc")) if isinstance(a, str)]
    attachments = []
    for item in as_list(obj.get("attachment"))[:4]:
        if isinstance(item, dict):
            url = item.get("url")
            url = id_of(url[0] if isinstance(url, list) and url else url) if not isinstance(url, str) else url
            if isinstance(url, str) and url.startswith(("https://", "http://")):
                attachments.append({"type": "Image", "url": url, "mediaType": str(item.get("mediaType", ""))[:100],
                                    "name": str(item.get("name") or item.get("summary") or "")[:1500]})
    tags = [
        {"type": t.get("type"), "name": str(t.get("name", ""))[:200],
         "href": web_url(t.get("href"))}
        for t in as_list(obj.get("tag"))
        if isinstance(t, dict) and t.get("type") in ("Hashtag", "Mention")
    ]
    content = obj.get("content") if isinstance(obj.get("content"), str) else ""
    return {
        "content": sanitize_html(content[:MAX_CONTENT]),
        "visibility": visibility_of(to, cc, followers),
        "to": to,
        "cc": cc,
        "in_reply_to": id_of(obj.get("inReplyTo")),
        "context": id_of(obj.get("context")) or id_of(obj.get("conversation")),
        "url": web_url(id_of(obj.get("url"))),
        "attachments": attachments,
        "tags": tags,
    }


def concerns_us(session: Session, delivery: Delivery, author: RemoteActor, obj: dict[str, Any]) -> bool:
    urls = delivery.city.urls
    addressed = as_list(obj.get("to")) + as_list(obj.get("cc")) + as_list(delivery.activity.get("to"))
    if any(isinstance(a, str) and urls.is_local(a) for a in addressed):
        return True
    reply = id_of(obj.get("inReplyTo"))
    if reply and urls.is_local(reply):
        return True
    # A pending follow counts too: the author's server sends us its posts only once it has
    # accepted, and its Accept may still be on its way when the first post arrives.
    followed = session.scalar(
        select(Follow.id).where(Follow.remote_actor_id == author.id, Follow.direction == Direction.outbound).limit(1)
    )
    return followed is not None


def _authored_by_sender(delivery: Delivery, obj: dict[str, Any]) -> bool:
    """The object is the signed sender's, and its id is a web address we may link to."""
    return web_url(obj.get("id")) is not None and authored_by(obj, delivery.actor_uri)


async def on_create(delivery: Delivery) -> None:
    obj = delivery.object
    if not isinstance(obj, dict) or obj.get("type") not in NOTE_TYPES or not _authored_by_sender(delivery, obj):
        await delivery.apply(lambda s: None)
        return
    author = await delivery.sender()
    no_media = (await delivery.city.fediverse.policy.current()).verdict(author.uri).reject_media

    def change(session: Session) -> None:
        if session.scalar(select(Note.id).where(Note.uri == obj["id"])) is not None:
            return  # already stored, or a tombstone: a late or repeated Create changes nothing
        if not concerns_us(session, delivery, author, obj):
            return
        values = note_values(obj, author.followers)
        if no_media:  # the domain is blocked with reject_media: keep the text, not the pictures
            values["attachments"] = []
        session.add(Note(uri=obj["id"], remote_actor_id=author.id,
                         published=parse_time(obj.get("published")) or utcnow(), **values))

    await delivery.apply(change)


async def on_update(delivery: Delivery) -> None:
    obj = delivery.object
    if isinstance(obj, dict) and obj.get("id") == delivery.actor_uri:
        document = parse_actor_document(obj)  # the actor's own new profile, signed by itself
        await delivery.apply(lambda s: store_actor(s, document))
        delivery.city.fediverse.directory.forget_domain(authority_of(delivery.actor_uri))
        return
    if not isinstance(obj, dict) or obj.get("type") not in NOTE_TYPES or not _authored_by_sender(delivery, obj):
        await delivery.apply(lambda s: None)
        return
    author = await delivery.sender()
    no_media = (await delivery.city.fediverse.policy.current()).verdict(author.uri).reject_media

    def change(session: Session) -> None:
        note = session.scalar(select(Note).where(Note.uri == obj["id"], Note.remote_actor_id == author.id))
        if note is None or note.deleted_at is not None:
            return
        updated = parse_time(obj.get("updated")) or utcnow()
        if note.updated is not None and updated <= note.updated:
            return  # an older edit arriving late
        values = note_values(obj, author.followers)
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

