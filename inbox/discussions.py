"""A remote resident's reply to one of our discussion threads (FEP-1b12), and its author's
Update and Delete of it (claimed before the ordinary note handlers).

The Create arrived through the inbox pipeline (signature, signer owns actor, federation
policy) and was classified once (inbox/classify.py); the service keeps the Note and has the
space's Group announce the Create to its followers, in one transaction with marking it done.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from exchange import discussions as domain
from federation.authorship import authored_by
from federation.inbound_note import InboundNote, parse_note
from federation.vocab import as_list
from models import RemoteActor
from services import discussions

from .process import Delivery


async def keep_discussion_reply(delivery: Delivery, sender: RemoteActor, note: InboundNote) -> None:
    city, activity = delivery.city, delivery.activity

    def change(session: Session) -> None:
        discussions.receive_reply(session, city, sender, note, activity)

    await delivery.apply(change)


def addressed_group(delivery: Delivery, note: InboundNote) -> str | None:
    """The first of our discussion Groups the object names in `audience`, `to` or `cc` (or
    the activity in its `to` or `cc`), without reading the database."""
    obj = delivery.object if isinstance(delivery.object, dict) else {}
    actors = delivery.city.fediverse.actors
    named = [
        *as_list(obj.get("audience")),
        *note.to,
        *note.cc,
        *as_list(delivery.activity.get("to")),
        *as_list(delivery.activity.get("cc")),
    ]
    for address in named:
        ref = actors.parse(address) if isinstance(address, str) else None
        if ref is not None and ref.kind == "group":
            return address
    return None


async def keep_discussion_thread(
    delivery: Delivery, sender: RemoteActor, note: InboundNote
) -> None:
    """Another city's resident starts a thread by addressing the Group (a Lemmy post, or a
    Mastodon post mentioning it)."""
    city, activity = delivery.city, delivery.activity
    group = addressed_group(delivery, note)
    assert group is not None  # the route was chosen for it

    def change(session: Session) -> None:
        discussions.receive_thread(session, city, sender, group, note, activity)

    await delivery.apply(change)


async def on_discussion_update(delivery: Delivery) -> bool:
    """Claims an Update of a remote reply kept in one of our threads, when its author sent it."""
    note = parse_note(delivery.object)
    if note is None or not authored_by(delivery.object, delivery.actor_uri):
        return False
    city, sender, activity = delivery.city, delivery.actor_uri, delivery.activity
    known = await city.db.read(lambda s: discussions_post(s, note.id, sender))
    if not known:
        return False
    await delivery.apply(lambda s: discussions.receive_update(s, city, sender, note, activity))
    return True


async def on_discussion_delete(delivery: Delivery) -> bool:
    """Claims a Delete of a remote reply kept in one of our threads, when its author sent it."""
    object_id = delivery.object_id
    city, sender, activity = delivery.city, delivery.actor_uri, delivery.activity
    if object_id is None or not await city.db.read(
        lambda s: discussions_post(s, object_id, sender)
    ):
        return False
    await delivery.apply(lambda s: discussions.receive_delete(s, city, sender, object_id, activity))
    return True


def discussions_post(session: Session, uri: str, sender: str) -> bool:
    return domain.remote_post_of(session, uri, sender) is not None
