"""Follow, Accept and Reject: remote actors following ours, and answers to our Follows."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.vocab import id_of
from models import Direction, Follow, FollowState, Member, RemoteActor
from services import social

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
            record = Follow(local_actor=target, remote_actor_id=follower.id, direction=Direction.inbound,
                            state=FollowState.pending, activity_uri=delivery.row.uri)
            session.add(record)
            session.flush()
            social.reject_follower(session, city, record, follower)
            return
        manual = False
        if ref.kind == "member":
            manual = bool(session.scalar(
                select(Member.manually_approves_followers).where(Member.username == ref.name)))
        social.receive_follow(session, city, target, follower, delivery.row.uri, manual=manual)

    await delivery.apply(change)


def _our_follow(session: Session, delivery: Delivery) -> Follow | None:
    """The outbound Follow this Accept/Reject answers: by its id, else by embedded actor/object."""
    obj = delivery.object
    follow_id = id_of(obj)
    query = select(Follow).where(Follow.direction == Direction.outbound)
    if follow_id is not None:
        found = session.scalar(query.where(Follow.activity_uri == follow_id))
        if found is not None:
            return found
    if isinstance(obj, dict) and isinstance(obj.get("actor"), str):
        remote = session.scalar(select(RemoteActor.id).where(RemoteActor.uri == delivery.actor_uri))
        return session.scalar(query.where(Follow.local_actor == obj["actor"], Follow.remote_actor_id == remote))
    return None


def _answered_by_sender(session: Session, delivery: Delivery, follow: Follow) -> bool:
    sender = session.scalar(select(RemoteActor.id).where(RemoteActor.uri == delivery.actor_uri))
    return sender == follow.remote_actor_id


async def on_accept(delivery: Delivery) -> None:
    def change(session: Session) -> None:
        follow = _our_follow(session, delivery)
        if follow is not None and _answered_by_sender(session, delivery, follow):
            follow.state = FollowState.accepted
            follow.accepted_at = follow.accepted_at or delivery.row.received_at

    await delivery.apply(change)


async def on_reject(delivery: Delivery) -> None:
    def change(session: Session) -> None:
        follow = _our_follow(session, delivery)
        if follow is not None and _answered_by_sender(session, delivery, follow):
            session.delete(follow)

    await delivery.apply(change)
