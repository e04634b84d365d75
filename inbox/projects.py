"""A remote resident's reply to one of our projects (a Note whose `inReplyTo` is the project's
Page), classified once (inbox/classify.py): kept and announced by the city market in one
transaction with marking the activity done (services/project_replies.py)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from federation.inbound_note import InboundNote
from models import RemoteActor
from services import project_replies

from .process import Delivery


async def keep_project_reply(delivery: Delivery, sender: RemoteActor, note: InboundNote) -> None:
    city = delivery.city
    no_media = (await city.fediverse.policy.current()).verdict(sender.uri).reject_media

    def change(session: Session) -> None:
        project_replies.receive(session, city, sender, note, reject_media=no_media)

    await delivery.apply(change)
