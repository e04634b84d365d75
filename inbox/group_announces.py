"""What a followed discussion Group (FEP-1b12) of another city announces to us: its threads and
replies, and its moderators' decisions on them.

When one of our members follows another city's discussion space, its Group announces to us
every activity it accepted. We keep the threads (`Page`) and replies (`Note`) its own server
wrote, as remote notes (exchange/remote_notes.py), and apply what its moderators decide:
the Group's `Delete` of an object posted to it hides our copy, its `Undo` of that `Delete`
shows it again; a pin or lock (the Group's `Update` of the Page with `stickied` and
`commentsEnabled`, Lemmy's `Lock` / `Undo{Lock}`, `Add` / `Remove` to the Group's `featured`)
sets the flags of our copy (exchange/group_threads.py); a thread we keep, announced again by
another Group of its server, moved there. Claimed before the market's announces
(inbox/listings.py), which would otherwise fetch the embedded activity's id as a listing.

Trust: the Announce is the Group's own (signature, signer owns actor, policy: the inbox
pipeline), and a Group we follow is the authority on what belongs to it; the objects we keep
from it must live on the Group's own server and be attributed to the embedded activity's
actor (a Group cannot make up another server's posts), and a removal touches only a note
addressed to that Group. Objects of other servers (a Mastodon reply the Group relays) are
not kept from the Announce: their own server is where they come from.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange import group_threads, remote_notes
from federation.authorship import authored_by, same_origin
from federation.inbound_note import parse_note
from federation.vocab import as_list, id_of
from models import Direction, Follow, Note, RemoteActor

from .interactions import on_announce
from .process import Delivery

ACTIVITIES = ("Create", "Delete", "Undo", "Update", "Lock", "Add", "Remove")


def _followed_group(session: Session, group: str) -> bool:
    actor = session.scalar(select(RemoteActor).where(RemoteActor.uri == group))
    if actor is None or actor.type != "Group":
        return False
    follow = select(Follow.id).where(
        Follow.remote_actor_id == actor.id, Follow.direction == Direction.outbound
    )
    return session.scalar(follow.limit(1)) is not None


def _of_group(inner: dict[str, Any], group: str) -> bool:
    """The embedded activity (or its object) names the announcing Group as its `audience`
    (Lemmy's `Lock` may name it in `cc` only)."""
    obj = inner.get("object")
    return (
        inner.get("audience") == group
        or (isinstance(obj, dict) and obj.get("audience") == group)
        or (inner.get("type") == "Lock" and group in as_list(inner.get("cc")))
    )


async def on_group_announce(delivery: Delivery) -> bool:
    inner = delivery.object
    group = delivery.actor_uri
    if not isinstance(inner, dict) or inner.get("type") not in ACTIVITIES:
        return False
    if not _of_group(inner, group):
        return False
    city = delivery.city
    if not await city.db.read(lambda s: _followed_group(s, group)):
        return False
    kind, actor = inner["type"], id_of(inner.get("actor"))
    obj = inner.get("object")
    if kind == "Create" and actor is not None:
        await _keep(delivery, inner, actor)
    elif kind == "Delete" and actor == group:
        await _moderate(delivery, id_of(obj), hidden=True)
    elif kind == "Undo" and isinstance(obj, dict):
        await _undo(delivery, obj)
    elif kind == "Update" and isinstance(obj, dict) and obj.get("type") == "Page":
        # a pin or lock (Comptoir, Lemmy before 0.19): the Page's flags; its content is its
        # author's, whose own Update reaches us from their server
        await delivery.apply(lambda s: group_threads.flag_from_page(s, group, obj))
    elif kind == "Lock":
        # Lemmy's lock, by a moderator: the Group announcing it vouches for them
        await _flag(delivery, id_of(obj), locked=True)
    elif kind in ("Add", "Remove") and id_of(inner.get("target")) == f"{group}/featured":
        await _flag(delivery, id_of(obj), pinned=kind == "Add")
    else:
        # an author's Update or Delete of a reply: the author's own reach us from their server
        await delivery.apply(lambda s: None)
    return True


async def _undo(delivery: Delivery, undone: dict[str, Any]) -> None:
    """The Group's `Undo` of its removal shows the object again; an `Undo` of a `Lock`
    unlocks the thread."""
    group = delivery.actor_uri
    if undone.get("type") == "Delete" and id_of(undone.get("actor")) == group:
        await _moderate(delivery, id_of(undone.get("object")), hidden=False)
    elif undone.get("type") == "Lock":
        await _flag(delivery, id_of(undone.get("object")), locked=False)
    else:
        await delivery.apply(lambda s: None)


async def _flag(
    delivery: Delivery, uri: str | None, *, pinned: bool | None = None, locked: bool | None = None
) -> None:
    group = delivery.actor_uri
    await delivery.apply(lambda s: group_threads.flag(s, group, uri, pinned=pinned, locked=locked))


async def _keep(delivery: Delivery, inner: dict[str, Any], actor: str) -> None:
    obj = inner.get("object")
    note = parse_note(obj)
    city, group = delivery.city, delivery.actor_uri
    if note is not None and city.urls.is_local(note.id):
        await on_announce(delivery)  # the Group boosts one of ours: recorded as any boost
        return
    if (
        note is None
        or not isinstance(obj, dict)
        or not same_origin(note.id, group)
        or not authored_by(obj, actor)
    ):
        await delivery.apply(lambda s: None)
        return
    page: dict[str, Any] = obj
    author = await city.fediverse.directory.actor(actor)
    no_media = (await city.fediverse.policy.current()).verdict(author.uri).reject_media

    def keep(session: Session) -> None:
        row = remote_notes.store(session, author, note, addressed_here=True, reject_media=no_media)
        if note.in_reply_to is not None:
            return
        if row is not None:  # a new thread: which Group it is in, and its flags
            session.flush()
            group_threads.keep(session, row, group, page)
            return
        # a thread we keep, announced by another Group of its server: it moved there
        # locked: the old Group's removal of the same thread may be applied at the same moment
        query = (
            select(Note)
            .where(Note.uri == note.id, Note.remote_actor_id == author.id)
            .with_for_update()
        )
        kept = session.scalar(query)
        if kept is not None and kept.deleted_at is None:
            group_threads.move_in(session, group, kept, page, list(note.to), list(note.cc))

    await delivery.apply(keep)


async def _moderate(delivery: Delivery, uri: str | None, *, hidden: bool) -> None:
    group = delivery.actor_uri

    def change(session: Session) -> None:
        if uri is not None:
            remote_notes.hide_for_group(session, group, uri, hidden=hidden)

    await delivery.apply(change)
