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

from .statuses import Paging, StatusRow, Viewer, marks_page

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
    return marks_page(
        session,
        viewer,
        paging,
        StatusReaction.id,
        StatusReaction.status_id,
        StatusReaction.member_id == viewer.member.id,
        StatusReaction.kind == ReactionKind.favourite,
    )
