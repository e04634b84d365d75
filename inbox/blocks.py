"""Block and its Undo: a remote account blocking one of our members (services.blocks)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from federation.vocab import id_of
from services import blocks, social

from .process import Delivery


async def on_block(delivery: Delivery) -> None:
    """A Block of one of our members by the sender; of anything else, nothing."""
    city = delivery.city
    target = delivery.object_id
    if target is None or not city.urls.is_local(target):
        await delivery.apply(lambda s: None)
        return
    blocker = await delivery.sender()
    uri = delivery.row.uri

    def change(session: Session) -> None:
        member_id = social.member_id_of(session, city, target)
        if member_id is not None:
            blocks.receive_block(session, city, member_id, blocker, uri)

    await delivery.apply(change)


async def on_undo_block(delivery: Delivery) -> None:
    """The sender's Undo of its Block, found by the Block's id, else by the member it
    named."""
    city = delivery.city
    obj = delivery.object
    block_id = id_of(obj)
    target = id_of(obj.get("object")) if isinstance(obj, dict) else None
    sender = await delivery.sender()

    def change(session: Session) -> None:
        member_id = social.member_id_of(session, city, target) if target else None
        blocks.receive_undo_block(session, sender, block_id, member_id)

    await delivery.apply(change)
