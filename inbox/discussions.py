"""A remote resident's reply to one of our discussion threads (FEP-1b12).

The Create arrived through the inbox pipeline (signature, signer owns actor, federation
policy) and was classified once (inbox/classify.py); the service keeps the Note and has the
space's Group announce the Create to its followers, in one transaction with marking it done.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from federation.inbound_note import InboundNote
from models import RemoteActor
from services import discussions

from .process import Delivery


async def keep_discussion_reply(delivery: Delivery, sender: RemoteActor, note: InboundNote) -> None:
    city, activity = delivery.city, delivery.activity

    def change(session: Session) -> None:
        discussions.receive_reply(session, city, sender, note, activity)

    await delivery.apply(change)
