"""Like, Announce and Undo: interactions with our objects, and taking things back.

An Announce is also a reblog our members see: an account they follow boosting a note
(models/status.py makes it a status of its own in their home timeline). A note we do not
have yet, boosted by an account someone here follows, is fetched from its own server first
(`services.resolve`: the federation policy, signed, its author on its server, public or
unlisted only); a note that cannot be fetched leaves the Announce unrecorded.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from exchange import interactions
from federation.errors import FetchError
from federation.vocab import id_of
from instance.directory import Refused
from models import Direction, Follow, FollowState, Interaction, Note, RemoteActor
from services.resolve import resolve

from .blocks import on_undo_block
from .process import Delivery

log = logging.getLogger("comptoir.inbox.interactions")


def _known_object(session: Session, delivery: Delivery, object_id: str) -> bool:
    if delivery.city.urls.is_local(object_id):
        return True
    return session.scalar(select(Note.id).where(Note.uri == object_id)) is not None


def _followed_here(session: Session, actor_id: int) -> bool:
    followed = select(Follow.id).where(
        Follow.remote_actor_id == actor_id,
        Follow.direction == Direction.outbound,
        Follow.state == FollowState.accepted,
    )
    return session.scalar(followed.limit(1)) is not None


async def _fetch_boosted(delivery: Delivery, sender: RemoteActor, object_id: str) -> None:
    """The note a followed account boosts, fetched when we do not have it (nobody here
    follows the sender: nothing is fetched, the Announce is only counted if we know it)."""
    city = delivery.city

    def wanted(session: Session) -> bool:
        return not _known_object(session, delivery, object_id) and _followed_here(
            session, sender.id
        )

    if not await city.db.read(wanted):
        return
    try:
        await resolve(city, object_id)
    except Refused as exc:
        log.info("boost of %s by %s: refused: %s", object_id, sender.uri, exc)
    except (FetchError, ValueError) as exc:
        log.info("boost of %s by %s: not fetched: %s", object_id, sender.uri, exc)


async def _record(delivery: Delivery, kind: str) -> None:
    object_id = delivery.object_id
    if object_id is None:
        await delivery.apply(lambda s: None)
        return
    sender = await delivery.sender()
    if kind == "Announce":
        await _fetch_boosted(delivery, sender, object_id)

    def change(session: Session) -> None:
        if not _known_object(session, delivery, object_id):
            return
        exists = session.scalar(
            select(Interaction.id).where(Interaction.activity_uri == delivery.row.uri)
        )
        if exists is None:
            session.add(
                Interaction(
                    activity_uri=delivery.row.uri,
                    type=kind,
                    remote_actor_id=sender.id,
                    object_uri=object_id,
                )
            )
            interactions.tell_author(session, object_id, sender, kind)

    await delivery.apply(change)


async def on_like(delivery: Delivery) -> None:
    await _record(delivery, "Like")


async def on_announce(delivery: Delivery) -> None:
    await _record(delivery, "Announce")


async def on_undo(delivery: Delivery) -> None:
    """Undo of a Follow, Like or Announce, found by the undone activity's id (or its parts);
    of a Block, inbox.blocks'."""
    obj = delivery.object
    undone_id = id_of(obj)
    undone_type = obj.get("type") if isinstance(obj, dict) else None
    if undone_type == "Block":
        await on_undo_block(delivery)
        return
    sender = await delivery.sender()

    def change(session: Session) -> None:
        if undone_type in (None, "Follow"):
            query = delete(Follow).where(
                Follow.remote_actor_id == sender.id, Follow.direction == Direction.inbound
            )
            target = id_of(obj.get("object")) if isinstance(obj, dict) else None
            result = (
                session.execute(query.where(Follow.activity_uri == undone_id))
                if undone_id
                else None
            )
            if (result is None or result.rowcount == 0) and target:  # type: ignore[attr-defined]
                session.execute(query.where(Follow.local_actor == target))
        if undone_type in (None, "Like", "Announce") and undone_id:
            # objects, not a bulk delete: an Announce's reblog status is undone with it
            # (models/status.py), and a streaming `delete` names it
            for done in session.scalars(
                select(Interaction).where(
                    Interaction.activity_uri == undone_id, Interaction.remote_actor_id == sender.id
                )
            ):
                session.delete(done)

    await delivery.apply(change)
