"""A vote from another server's resident on one of our polls: Mastodon's shape, a `Create` of
a `Note` whose `name` is the chosen option and whose `inReplyTo` is the Question, sent to the
Question's author (the space's Group).

It arrived through the inbox pipeline (signature, signer owns actor, federation policy) and
was classified once (inbox/classify.py); the service counts it or drops it, in one
transaction with marking the activity done.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from federation.inbound_note import InboundNote
from models import RemoteActor
from services import polls

from .process import Delivery


async def keep_poll_vote(delivery: Delivery, sender: RemoteActor, note: InboundNote) -> None:
    city = delivery.city

    def change(session: Session) -> None:
        polls.receive_vote(session, city, sender, note)

    await delivery.apply(change)
