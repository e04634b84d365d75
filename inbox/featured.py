"""`Add` and `Remove` to a remote actor's `featured` collection: it pinned or unpinned a
post (Mastodon sends them to the followers when a status is pinned or unpinned).

Taken only from the collection's owner: the activity's actor (whose key signed it: the
inbox checked that) must be the actor whose `featured` the `target` is, as its actor
document names it, and the post must be that actor's (its id on the actor's host; fetched
there, or embedded, attributed to the actor, when we do not keep it). Anything else (an
Add signed by someone else to another's collection, a target that is not the signer's
`featured`, another's post) changes nothing. What is kept is exchange/remote_pins.py's.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from exchange import remote_pins
from federation.authorship import same_origin
from federation.errors import FetchError
from federation.inbound_note import InboundNote, parse_note
from federation.vocab import id_of
from models import RemoteActor

from .process import Delivery


async def _owner(delivery: Delivery, target: str) -> RemoteActor | None:
    """The sender, when `target` is its `featured` collection (an actor stored before we
    kept `featured` is fetched again once to learn it)."""
    directory = delivery.city.fediverse.directory
    sender = await delivery.sender()
    if "featured" not in sender.extra and same_origin(target, sender.uri):
        try:
            sender = await directory.actor(sender.uri, refresh=True)
        except FetchError:
            return None  # not learnt now: its next refresh reads the collection anyway
    return sender if sender.extra.get("featured") == target else None


async def _pinned_post(delivery: Delivery, owner: RemoteActor, uri: str) -> InboundNote | None:
    """The post of an `Add` we do not keep yet: embedded, or fetched on the owner's host."""
    directory = delivery.city.fediverse.directory
    obj = delivery.object if isinstance(delivery.object, dict) else uri
    try:
        found = await directory.authored_object(obj, owner.uri)
    except FetchError:
        return None
    return parse_note(found) if found is not None else None


async def on_featured_change(delivery: Delivery) -> None:
    pinned = delivery.activity.get("type") == "Add"
    target, uri = id_of(delivery.activity.get("target")), delivery.object_id
    owner = await _owner(delivery, target) if target is not None else None
    if owner is None or uri is None or not same_origin(uri, owner.uri):
        await delivery.apply(lambda s: None)
        return
    if not pinned:
        await delivery.apply(lambda s: remote_pins.remove(s, owner, uri))
        return
    known = await delivery.city.db.read(lambda s: remote_pins.is_kept(s, owner, uri))
    note = None if known else await _pinned_post(delivery, owner, uri)
    media = (await delivery.city.fediverse.policy.current()).verdict(owner.uri).reject_media

    def change(session: Session) -> None:
        author = session.get(RemoteActor, owner.id)
        if author is not None:
            remote_pins.add(session, author, uri, note, reject_media=media)

    await delivery.apply(change)
