"""Who favourited or reblogged a status, and the statuses a member favourited: the lists
Mastodon apps open from a status ("favourited by", "boosted by") and from the menu
("favourites").

A member's favourites and reblogs are rows of `status_reactions` (exchange/statuses.py
`react`); a remote account's Like or Announce of a status we know is a row of
`interactions`, by the status's URI. Both count in the status's numbers, so both are
listed: members first, then remote accounts, newest first within each.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Interaction, Member, ReactionKind, RemoteActor, StatusReaction

from .errors import DomainError
from .statuses import MAX_LIMIT, Paging, StatusRow, Viewer, find

#: the remote activity of each kind of reaction
ACTIVITY = {ReactionKind.favourite: "Like", ReactionKind.reblog: "Announce"}


def reactors(
    session: Session, row: StatusRow, kind: ReactionKind, limit: int
) -> list[Member | RemoteActor]:
    """The accounts that reacted so to the status, at most `limit`; suspended ones left out."""
    members = list(
        session.scalars(
            select(Member)
            .join(StatusReaction, StatusReaction.member_id == Member.id)
            .where(StatusReaction.status_id == row.status.id, StatusReaction.kind == kind)
            .order_by(StatusReaction.id.desc())
            .limit(limit)
        )
    )
    actors = list(
        session.scalars(
            select(RemoteActor)
            .join(Interaction, Interaction.remote_actor_id == RemoteActor.id)
            .where(
                Interaction.object_uri == row.item.uri,
                Interaction.type == ACTIVITY[kind],
                RemoteActor.suspended_at.is_(None),
            )
            .order_by(Interaction.id.desc())
            .limit(limit)
        )
    )
    found: list[Member | RemoteActor] = [*members, *actors]
    return found[:limit]


def favourites(session: Session, viewer: Viewer, paging: Paging) -> list[tuple[int, int]]:
    """(reaction id, status id) of the member's favourites, newest first, paged by the
    reaction's id (as Mastodon pages by its favourite's); statuses the member may no
    longer see (deleted, hidden) are left out of the page."""
    assert viewer.member is not None
    limit = max(1, min(paging.limit, MAX_LIMIT))
    query = select(StatusReaction.id, StatusReaction.status_id).where(
        StatusReaction.member_id == viewer.member.id,
        StatusReaction.kind == ReactionKind.favourite,
    )
    if paging.max_id is not None:
        query = query.where(StatusReaction.id < paging.max_id)
    if paging.since_id is not None:
        query = query.where(StatusReaction.id > paging.since_id)
    if paging.min_id is not None:
        query = query.where(StatusReaction.id > paging.min_id).order_by(StatusReaction.id.asc())
        rows = sorted(((r, s) for r, s in session.execute(query.limit(limit))), reverse=True)
    else:
        ordered = query.order_by(StatusReaction.id.desc()).limit(limit)
        rows = [(r, s) for r, s in session.execute(ordered)]
    return [(rid, sid) for rid, sid in rows if _visible(session, viewer, sid)]


def _visible(session: Session, viewer: Viewer, status_id: int) -> bool:
    try:
        find(session, viewer, status_id)
    except DomainError:
        return False
    return True
