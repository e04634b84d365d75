"""Follow, Accept and Reject: remote actors following ours, and answers to our Follows.

A Follow of a member with a block between the two, either way, is refused (a `Reject`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.vocab import id_of
from models import Member
from services import blocks, discussions, social

from .process import Delivery


async def on_follow(delivery: Delivery) -> None:
    city = delivery.city
    target = delivery.object_id
    if target is None or not city.urls.is_local(target):
        await delivery.apply(lambda s: None)
        return
    follower = await delivery.sender()
    actors = city.fediverse.actors

    def change(session: Session) -> None:
        ref = actors.parse(target)
        if ref is None or not actors.exists(session, target):
            return
        if ref.kind == "service" and ref.name == "actor":
            # The instance actor is not followable (as on Mastodon): say no.
            social.refuse_follow(session, city, target, follower, delivery.row.uri)
            return
        if ref.kind == "group":
            discussions.receive_follow(session, city, target, follower, delivery.row.uri)
            return
        if ref.kind == "member" and blocks.refused_follow(session, city, target, follower):
            social.refuse_blocked_follow(session, city, target, follower, delivery.row.uri)
            return
        manual = False
        if ref.kind == "member":
            manual = bool(
                session.scalar(
                    select(Member.manually_approves_followers).where(Member.username == ref.name)
                )
            )
        social.receive_follow(session, city, target, follower, delivery.row.uri, manual=manual)

    await delivery.apply(change)


def _answered(delivery: Delivery) -> tuple[str | None, str | None]:
    """The Follow of ours an Accept/Reject names: its id, and its actor if it is embedded."""
    obj = delivery.object
    actor = obj.get("actor") if isinstance(obj, dict) else None
    return id_of(obj), actor if isinstance(actor, str) else None


async def on_accept(delivery: Delivery) -> None:
    follow_id, local_actor = _answered(delivery)
    sender, at = delivery.actor_uri, delivery.row.received_at
    await delivery.apply(lambda s: social.follow_accepted(s, sender, follow_id, local_actor, at=at))


async def on_reject(delivery: Delivery) -> None:
    follow_id, local_actor = _answered(delivery)
    sender = delivery.actor_uri
    await delivery.apply(lambda s: social.follow_rejected(s, sender, follow_id, local_actor))
