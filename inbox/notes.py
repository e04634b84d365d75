"""Create, Update and Delete: remote notes, and remote actors updating or deleting themselves.

A remote note is kept when it concerns this city (Mastodon's "related to local activity"):
its author is followed by one of our actors, it is addressed to one of ours, or it replies
to one of our objects. Only the author may change or delete a note, and a deleted note stays
as a tombstone so that a late Create is ignored. What is kept, and how, is
exchange/remote_notes.py's business; which Create is a note is inbox/classify.py's.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from exchange import direct_messages, members, mentions, remote_notes
from federation.actor_document import parse_actor_document
from federation.authority import authority_of
from federation.authorship import authored_by, same_origin
from federation.inbound_note import InboundNote, parse_note
from federation.vocab import as_list
from instance.directory import store_actor
from models import Direction, Follow, FollowState, Note, RemoteActor, utcnow

from .process import Delivery


def addressed_here(delivery: Delivery, note: InboundNote) -> bool:
    """The note is addressed to one of ours, or replies to one of our objects."""
    urls = delivery.city.urls
    addressed = [*note.to, *note.cc, *as_list(delivery.activity.get("to"))]
    if any(isinstance(a, str) and urls.is_local(a) for a in addressed):
        return True
    return bool(note.in_reply_to) and urls.is_local(note.in_reply_to or "")


def mentioned_members(delivery: Delivery, note: InboundNote) -> list[str]:
    """The usernames of our members the note's Mention tags name."""
    actors = delivery.city.fediverse.actors
    names: list[str] = []
    for tag in note.tags:
        ref = actors.parse(tag.href) if tag.type == "Mention" and tag.href else None
        if ref is not None and ref.kind == "member" and ref.name not in names:
            names.append(ref.name)
    return names


def _followers_among(session: Session, delivery: Delivery, author: RemoteActor) -> set[int]:
    """The ids of our members who follow `author`."""
    followed_by = set(
        session.scalars(
            select(Follow.local_actor).where(
                Follow.remote_actor_id == author.id,
                Follow.direction == Direction.outbound,
                Follow.state == FollowState.accepted,
            )
        )
    )
    actors = delivery.city.fediverse.actors
    names = [r.name for r in map(actors.parse, followed_by) if r and r.kind == "member"]
    return {m.id for m in members.active_by_usernames(session, names)}


def addressed_members(delivery: Delivery, note: InboundNote) -> list[str]:
    """The usernames of our members the note is addressed to (to, cc, or the activity's to)."""
    actors = delivery.city.fediverse.actors
    names: list[str] = []
    for address in [*note.to, *note.cc, *as_list(delivery.activity.get("to"))]:
        ref = actors.parse(address) if isinstance(address, str) else None
        if ref is not None and ref.kind == "member" and ref.name not in names:
            names.append(ref.name)
    return names


async def keep_note(delivery: Delivery, author: RemoteActor, note: InboundNote) -> None:
    """A Create of a note, classified as one: kept if it concerns us, in one transaction. A
    direct note to members is a message in their conversation with its author."""
    verdict = (await delivery.city.fediverse.policy.current()).verdict(author.uri)
    usernames = addressed_members(delivery, note)
    named = mentioned_members(delivery, note)
    addressed = addressed_here(delivery, note) or bool(named)

    def change(session: Session) -> None:
        row = remote_notes.store(
            session, author, note, addressed_here=addressed, reject_media=verdict.reject_media
        )
        if row is None:
            return
        if named and row.visibility in mentions.TOLD:
            writer = session.merge(author)
            mentions.tell_mentioned(
                session,
                row,
                members.active_by_usernames(session, named),
                author=writer,
                silenced=verdict.silenced,
                followed_by=_followers_among(session, delivery, writer)
                if verdict.silenced
                else None,
            )
        if row.visibility != "direct" or not usernames:
            return
        session.flush()
        recipients = members.active_by_usernames(session, usernames)
        direct_messages.receive(session, row, session.merge(author), recipients)

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

    await delivery.apply(
        lambda session: remote_notes.revise(session, author, inbound, reject_media=no_media)
    )


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
        remote_notes.tombstone(session, author, object_id)

    await delivery.apply(change)


def delete_actor(session: Session, actor_uri: str) -> None:
    """A remote actor deleted itself: forget its follows and content, keep a tombstone row."""
    actor = session.scalar(select(RemoteActor).where(RemoteActor.uri == actor_uri))
    if actor is None or actor.deleted_at is not None:
        return
    actor.deleted_at = utcnow()
    session.execute(delete(Follow).where(Follow.remote_actor_id == actor.id))
    for note in session.scalars(
        select(Note).where(Note.remote_actor_id == actor.id, Note.deleted_at.is_(None))
    ):
        note.deleted_at = utcnow()
        note.content = ""
