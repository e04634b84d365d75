"""Trending statuses (`/api/v1/trends/statuses`): the public statuses of the last days that
were favourited and reblogged most, as the public timeline shows them to the reader.

A status's score is its favourites and reblogs by our members (`status_reactions`) and the
Likes and Announces other servers sent of it (`interactions`, by its URI), whenever given,
for a status that arrived in the last `STATUS_DAYS`. Ranked by score, then newest first.
Which statuses may rank is the public timeline's rule (`exchange.statuses.public_shown`):
public notes, open listings, our members' discussion threads and replies; refused domains
never, silenced ones only for a reader who follows the author; a member's blocks, mutes and
blocked domains out. Reblogs never rank themselves (their originals do).

Whether the city shows trends at all is the admin's (`exchange.instance_settings`,
`comptoir trends on|off`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Subquery, func, select, union_all
from sqlalchemy.orm import Session

from models import Interaction, Listing, Note, Status, StatusReaction, utcnow

from .statuses import Predicate, Viewer, public_base, public_shown

#: statuses of these last days may trend
STATUS_DAYS = 3
#: the Interaction types that count: a remote favourite and a remote reblog
COUNTED = ("Like", "Announce")


def _scores(since: datetime) -> Subquery:
    """(status id, score) of the statuses of `since` or later that anyone reacted to."""
    recent = Status.created_at >= since
    ours = select(StatusReaction.status_id.label("sid")).join(
        Status, Status.id == StatusReaction.status_id
    )
    on_notes = (
        select(Status.id)
        .join(Note, Note.id == Status.note_id)
        .join(Interaction, Interaction.object_uri == Note.uri)
        .where(Interaction.type.in_(COUNTED))
    )
    on_listings = (
        select(Status.id)
        .join(Listing, Listing.id == Status.listing_id)
        .join(Interaction, Interaction.object_uri == Listing.uri)
        .where(Interaction.type.in_(COUNTED))
    )
    every = union_all(*(q.where(recent) for q in (ours, on_notes, on_listings))).subquery()
    return select(every.c.sid, func.count().label("score")).group_by(every.c.sid).subquery()


#: how many of the best-scored statuses a ranking keeps: the pages any reader may ask
RANKED = 200


def ranked(
    session: Session, *, refused: Predicate, now: datetime | None = None
) -> list[tuple[int, int]]:
    """(status id, score) of the `RANKED` best-scored statuses any reader might be shown:
    the public timeline's statuses for a reader who follows everyone (a silenced domain's
    too), refused domains left out. Computed once in a while (api/mastodon/trends.py keeps
    it); `statuses` then filters it for each reader."""
    scores = _scores((now or utcnow()) - timedelta(days=STATUS_DAYS))
    shown = public_shown(session, Viewer(None, None), silenced=_never, refused=refused)
    query = (
        public_base()
        .add_columns(scores.c.score)
        .join(scores, scores.c.sid == Status.id)
        .where(shown, Status.reblog_of_id.is_(None))
        .order_by(scores.c.score.desc(), Status.id.desc())
        .limit(RANKED)
    )
    return [(sid, score) for sid, score in session.execute(query)]


def _never(_: str) -> bool:
    return False


def statuses(
    session: Session,
    viewer: Viewer,
    ranking: list[tuple[int, int]],
    *,
    silenced: Predicate,
    refused: Predicate,
    limit: int,
    offset: int = 0,
) -> list[int]:
    """The ids of one page of trending statuses for this reader, the most favourited and
    reblogged first: the `ranking`'s, as the public timeline shows them to the reader now
    (their blocks, mutes and domain blocks, a silenced domain only to its followers, what
    was refused, hidden or deleted since the ranking left out)."""
    if not ranking:
        return []
    shown = public_shown(session, viewer, silenced=silenced, refused=refused)
    visible = set(
        session.scalars(
            public_base().where(
                Status.id.in_([sid for sid, _ in ranking]),
                shown,
                Status.reblog_of_id.is_(None),
            )
        )
    )
    kept = [sid for sid, _ in ranking if sid in visible]
    return kept[offset : offset + limit]
