"""Like, Announce and Undo: interactions with our objects, and taking things back."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from exchange import interactions
from federation.vocab import id_of
from models import Direction, Follow, Interaction, Note

from .process import Delivery


def _known_object(session: Session, delivery: Delivery, object_id: str) -> bool:
    if delivery.city.urls.is_local(object_id):
        return True
    return session.scalar(select(Note.id).where(Note.uri == object_id)) is not None


async def _record(delivery: Delivery, kind: str) -> None:
    object_id = delivery.object_id
    if object_id is None:
        await delivery.apply(lambda s: None)
        return
    sender = await delivery.sender()

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
    """Undo of a Follow, Like or Announce, found by the undone activity's id (or its parts)."""
    obj = delivery.object
    undone_id = id_of(obj)
    undone_type = obj.get("type") if isinstance(obj, dict) else None
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
            session.execute(
                delete(Interaction).where(
                    Interaction.activity_uri == undone_id, Interaction.remote_actor_id == sender.id
                )
            )

    await delivery.apply(change)
