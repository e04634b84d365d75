"""The public timeline: public notes of this city and of the accounts it knows, newest first.

What a silenced domain posts stays out of it, except for a member who follows the author
(Mastodon's "limit"); refused domains, hidden and deleted notes never show. The federation
policy is passed in as two predicates on a domain, so this module stays free of the
`instance` layer (as `exchange.search` does for the market).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import Direction, Follow, FollowState, Member, Note, RemoteActor

Predicate = Callable[[str], bool]


def kept_out(
    session: Session, silenced: Predicate, refused: Predicate
) -> tuple[set[str], set[str]]:
    """(silenced, refused) domains among those we know accounts of: a short list."""
    quiet, shut = set(), set()
    for domain in session.scalars(select(RemoteActor.domain).distinct()):
        if refused(domain):
            shut.add(domain)
        elif silenced(domain):
            quiet.add(domain)
    return quiet, shut


def public_notes(
    session: Session,
    *,
    silenced: Predicate,
    refused: Predicate,
    viewer_uri: str | None = None,
    limit: int = 40,
    before: int | None = None,
) -> list[tuple[Note, str]]:
    """(note, author's handle or username) pairs; `before` is the last note id of the previous
    page.
    """
    quiet, shut = kept_out(session, silenced, refused)
    query = (
        select(Note, RemoteActor)
        .outerjoin(RemoteActor, RemoteActor.id == Note.remote_actor_id)
        .where(
            Note.visibility == "public",
            Note.deleted_at.is_(None),
            Note.hidden_at.is_(None),
            # a suspended account's notes are kept, and hidden
            or_(Note.remote_actor_id.is_(None), RemoteActor.suspended_at.is_(None)),
        )
        .order_by(Note.id.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(Note.id < before)
    if shut:
        query = query.where(or_(Note.remote_actor_id.is_(None), RemoteActor.domain.not_in(shut)))
    if quiet:
        visible = or_(Note.remote_actor_id.is_(None), RemoteActor.domain.not_in(quiet))
        if viewer_uri is not None:
            followed = select(Follow.remote_actor_id).where(
                Follow.local_actor == viewer_uri,
                Follow.direction == Direction.outbound,
                Follow.state == FollowState.accepted,
            )
            visible = or_(visible, Note.remote_actor_id.in_(followed))
        query = query.where(visible)
    rows = session.execute(query).all()
    names = {
        m.id: m.username
        for m in session.scalars(
            select(Member).where(
                Member.id.in_([n.member_id for n, _ in rows if n.member_id is not None])
            )
        )
    }
    return [
        (note, actor.handle if actor is not None else names.get(note.member_id or 0, ""))
        for note, actor in rows
    ]
