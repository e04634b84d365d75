"""Follows between one of our actors and a remote actor: asking, accepting, rejecting.

A follow is one row per (our actor, their actor, direction). It is pending until the followed
side accepts it; a rejected or undone follow leaves no row (it is deleted), so `accepted` is
final and a follow asked again after a rejection starts over as pending. Accepting an accepted
follow changes nothing: Mastodon re-sends a Follow after a key change and expects another
Accept, and an Accept may arrive twice.

Our Follow that could not be delivered (the other city refused it, or never answered) makes
our follow `failed`, so that it does not stay pending forever; asking again, or the admin
re-sending it, makes it pending again. A late Accept still accepts it.

Rows only: the Follow, Accept and Reject activities these changes cause are services.social's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Direction, Follow, FollowState, RemoteActor, utcnow

from .state_graph import StateGraph

GRAPH = StateGraph(
    "follow",
    FollowState,
    {
        FollowState.pending: {FollowState.accepted, FollowState.failed},
        FollowState.failed: {FollowState.pending, FollowState.accepted},
        FollowState.accepted: set(),
    },
)


def find(
    session: Session, local_actor: str, remote: RemoteActor, direction: Direction
) -> Follow | None:
    return session.scalar(
        select(Follow).where(
            Follow.local_actor == local_actor,
            Follow.remote_actor_id == remote.id,
            Follow.direction == direction,
        )
    )


def actors_on_domain(session: Session, local_actor: str, domain: str) -> list[RemoteActor]:
    """The remote accounts of `domain` that `local_actor` follows or is followed by, in any
    state (a member's domain block ends each of these follows)."""
    return list(
        session.scalars(
            select(RemoteActor)
            .where(
                RemoteActor.domain == domain,
                RemoteActor.id.in_(
                    select(Follow.remote_actor_id).where(Follow.local_actor == local_actor)
                ),
            )
            .order_by(RemoteActor.id)
        )
    )


def answered(
    session: Session, sender: str, follow_id: str | None, local_actor: str | None
) -> Follow | None:
    """Our follow an Accept or Reject by `sender` answers: by the Follow's id, else by its actor.

    Only the followed actor answers a follow: an answer from anyone else finds nothing.
    """
    remote = session.scalar(select(RemoteActor).where(RemoteActor.uri == sender))
    if remote is None:
        return None
    found = None
    if follow_id is not None:
        found = session.scalar(
            select(Follow).where(
                Follow.direction == Direction.outbound, Follow.activity_uri == follow_id
            )
        )
    if found is None and local_actor is not None:
        found = find(session, local_actor, remote, Direction.outbound)
    return found if found is not None and found.remote_actor_id == remote.id else None


def create(
    session: Session, local_actor: str, remote: RemoteActor, direction: Direction, activity_uri: str
) -> Follow:
    """A new pending follow; `activity_uri` is the Follow's id (ours outbound, theirs inbound)."""
    follow = Follow(
        local_actor=local_actor,
        remote_actor_id=remote.id,
        direction=direction,
        state=FollowState.pending,
        activity_uri=activity_uri,
    )
    session.add(follow)
    session.flush()
    return follow


def accept(follow: Follow, *, now: datetime | None = None) -> bool:
    """The followed side accepts; True when the follow was pending (False: it was accepted)."""
    moved = follow.state is not FollowState.accepted
    if moved:
        GRAPH.move(follow, FollowState.accepted)
    follow.accepted_at = follow.accepted_at or now or utcnow()
    return moved


def ask_again(follow: Follow, activity_uri: str) -> Follow:
    """A failed follow asked once more, with a new Follow activity: pending again."""
    GRAPH.move(follow, FollowState.pending)
    follow.activity_uri = activity_uri
    return follow


def delivery_failed(session: Session, activity_uri: str) -> Follow | None:
    """Our Follow `activity_uri` was given up on: the pending follow it asked for failed."""
    follow = session.scalar(
        select(Follow).where(
            Follow.direction == Direction.outbound, Follow.activity_uri == activity_uri
        )
    )
    if follow is not None and follow.state is FollowState.pending:
        GRAPH.move(follow, FollowState.failed)
        return follow
    return None


def sent_again(session: Session, activity_uris: Iterable[str]) -> int:
    """Our failed Follows among these activities are being sent again: pending once more."""
    uris = list(set(activity_uris))
    if not uris:
        return 0
    moved = 0
    for follow in session.scalars(
        select(Follow).where(
            Follow.direction == Direction.outbound,
            Follow.activity_uri.in_(uris),
            Follow.state == FollowState.failed,
        )
    ):
        GRAPH.move(follow, FollowState.pending)
        moved += 1
    return moved


def reject(session: Session, follow: Follow) -> None:
    """The followed side says no (or no longer): the follow ends and its row goes."""
    session.delete(follow)


def undo(session: Session, follow: Follow) -> None:
    """The follower stops following: the row goes."""
    session.delete(follow)
