"""The city's announcements: staff write, publish and unpublish them; members read them in
their apps, dismiss them and react to them with an emoji, as on Mastodon 4.3.

An announcement moves along `GRAPH` (draft -> published <-> unpublished) and nothing else
moves it. Members see the published ones whose `ends_at` is not past: Mastodon unpublishes an
announcement when its end passes (a scheduler job); here the end is read when listing, so an
ended one leaves every app at the moment it ends, with no job to run. `starts_at` is the time
of what it announces, not a publication date: an announcement of next Monday's closure is
shown before Monday, as on Mastodon. The publication date is `scheduled_at` (Mastodon's too):
a draft written with one is published when it comes by the `announcement.publish` job
(services/announcement_jobs.py), queued for that moment, which runs `publish_due`: one
compare-and-set `UPDATE ... WHERE state = 'draft' AND scheduled_at <= now`, so however many
worker processes run it (or a job claimed again after its worker died) each announcement is
published once, and its `announcement` stream event (read from `updated_at`) sent once.

Each reaction chosen or taken back leaves a row in the reactions' journal
(`AnnouncementReactionEvent`), which the streams read for `announcement.reaction`.

Reactions are Unicode emojis only: the city has no custom emojis, so any other name is
refused (422) with Mastodon's message, as is a ninth different emoji on one announcement
(Mastodon's limit). Every staff action is in the moderation log.

Functions over a Session; they never commit and never render.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, case, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from instance import queue
from models import (
    Announcement,
    AnnouncementReaction,
    AnnouncementReactionEvent,
    AnnouncementRead,
    AnnouncementState,
    Member,
    UTCDateTime,
    utcnow,
)

from .errors import DomainError, NotFound
from .moderation_log import record
from .state_graph import StateGraph

GRAPH = StateGraph(
    "announcement",
    AnnouncementState,
    {
        AnnouncementState.draft: {AnnouncementState.published},
        AnnouncementState.published: {AnnouncementState.unpublished},
        AnnouncementState.unpublished: {AnnouncementState.published},
    },
)

#: Mastodon has no limit of its own on the text; a city's notice is short
MAX_TEXT = 5000
#: Mastodon's ReactionValidator: at most this many different emojis on one announcement
MAX_REACTIONS = 8
#: longest emoji sequence taken (a family with skin tones is about 11 code points)
MAX_EMOJI = 16
#: the job that publishes the announcements due (queued for each one's `scheduled_at`)
PUBLISH_JOB = "announcement.publish"
#: the reactions' journal is read by streams polling every second: an hour is plenty
JOURNAL_KEPT = timedelta(hours=1)


@dataclass(frozen=True)
class Reaction:
    """One emoji on an announcement: how many members chose it, and whether the viewer did."""

    name: str
    count: int
    me: bool


def add(
    session: Session,
    text: str,
    by: Member | None,
    *,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    all_day: bool = False,
    scheduled_at: datetime | None = None,
) -> Announcement:
    """A draft: nobody sees it until it is published, by staff or, with `scheduled_at` (a
    time to come), by the `announcement.publish` job at that time."""
    text = text.strip()
    if not text:
        raise DomainError("missing_field", "text is required", 400, {"field": "text"})
    if len(text) > MAX_TEXT:
        raise DomainError(
            "too_long",
            f"text is at most {MAX_TEXT} characters",
            400,
            {"field": "text", "limit": MAX_TEXT},
        )
    if starts_at is not None and ends_at is not None and ends_at < starts_at:
        raise DomainError(
            "invalid_dates",
            "an announcement cannot end before it starts",
            400,
            {"announcement": True},
        )
    moment = utcnow()
    if scheduled_at is not None and scheduled_at <= moment:
        raise DomainError(
            "past_publication",
            "the publication time is past: publish it now instead",
            400,
            {"field": "scheduled_at"},
        )
    row = Announcement(
        text=text,
        state=AnnouncementState.draft,
        starts_at=starts_at,
        ends_at=ends_at,
        all_day=all_day,
        scheduled_at=scheduled_at,
        created_by_id=by.id if by is not None else None,
        created_at=moment,
        updated_at=moment,
    )
    session.add(row)
    session.flush()
    record(session, by, "announcement.add", "announcement", str(row.id))
    if scheduled_at is not None:
        queue.enqueue(
            session,
            PUBLISH_JOB,
            {"announcement": row.id},
            run_at=scheduled_at,
            key=f"{PUBLISH_JOB}:{row.id}",
        )
    return row


def find(session: Session, announcement_id: int) -> Announcement:
    found = session.get(Announcement, announcement_id)
    if found is None:
        raise NotFound("announcement")
    return found


def publish(session: Session, row: Announcement, by: Member | None) -> None:
    """Shown from now on; `published_at` is this publication's, as Mastodon sets it. A
    publication that was scheduled is the one done now (the job will find nothing)."""
    GRAPH.move(row, AnnouncementState.published)
    row.published_at = row.updated_at = utcnow()
    row.scheduled_at = None
    record(session, by, "announcement.publish", "announcement", str(row.id))


#: the scheduled drafts whose time has come, published in one compare-and-set statement: a
#: row another transaction published first no longer matches `state = 'draft'`, and on
#: PostgreSQL the statement waits on that row's lock and then finds it so
_NOW = bindparam("now", type_=UTCDateTime())
_PUBLISH_DUE = (
    update(Announcement)
    .where(
        Announcement.state == AnnouncementState.draft,
        Announcement.scheduled_at.is_not(None),
        Announcement.scheduled_at <= _NOW,
    )
    .values(
        state=AnnouncementState.published,
        published_at=_NOW,
        updated_at=_NOW,
        scheduled_at=None,
    )
    .returning(Announcement.id)
    .execution_options(synchronize_session=False)
)


def publish_due(session: Session, now: datetime | None = None) -> list[int]:
    """Publish every scheduled draft whose time has come (the draft -> published move of
    `GRAPH`, made by the statement's `WHERE`); returns the ids this call published, each
    logged as the command line's (the staff member scheduled it)."""
    published = [int(i) for i in session.scalars(_PUBLISH_DUE, {"now": now or utcnow()})]
    for number in published:
        record(session, None, "announcement.publish", "announcement", str(number))
    return published


def unpublish(session: Session, row: Announcement, by: Member | None) -> None:
    """Taken down; its read marks and reactions are kept for a later publication."""
    GRAPH.move(row, AnnouncementState.unpublished)
    row.updated_at = utcnow()
    record(session, by, "announcement.unpublish", "announcement", str(row.id))


def remove(session: Session, row: Announcement, by: Member | None) -> None:
    """Gone, with its read marks and reactions (the keys cascade)."""
    record(session, by, "announcement.remove", "announcement", str(row.id))
    session.execute(
        delete(AnnouncementReaction).where(AnnouncementReaction.announcement_id == row.id)
    )
    session.execute(delete(AnnouncementRead).where(AnnouncementRead.announcement_id == row.id))
    session.execute(
        delete(AnnouncementReactionEvent).where(AnnouncementReactionEvent.announcement_id == row.id)
    )
    session.delete(row)
    session.flush()


def listed(session: Session) -> list[Announcement]:
    """Every announcement, in any state, the newest first: staff's list."""
    return list(session.scalars(select(Announcement).order_by(Announcement.id.desc())))


def is_shown(row: Announcement, moment: datetime | None = None) -> bool:
    """Whether members see `row` now: published and not ended (as `shown` selects them)."""
    moment = moment or utcnow()
    published = row.state is AnnouncementState.published
    return published and (row.ends_at is None or row.ends_at > moment)


def _showing(moment: datetime) -> ColumnElement[bool]:
    return and_(
        Announcement.state == AnnouncementState.published,
        or_(Announcement.ends_at.is_(None), Announcement.ends_at > moment),
    )


def shown(session: Session, member: Member, *, with_dismissed: bool = False) -> list[Announcement]:
    """What the member's apps show now, in Mastodon's order (by the time of what each
    announces, else of its publication); the ones the member dismissed only when asked."""
    query = select(Announcement).where(_showing(utcnow()))
    if not with_dismissed:
        query = query.where(
            Announcement.id.not_in(
                select(AnnouncementRead.announcement_id).where(
                    AnnouncementRead.member_id == member.id
                )
            )
        )
    order = func.coalesce(Announcement.starts_at, Announcement.published_at)
    return list(session.scalars(query.order_by(order, Announcement.id)))


def visible(session: Session, announcement_id: int) -> Announcement:
    """An announcement members may act on now (dismiss, react); any other is unknown."""
    found = session.scalar(
        select(Announcement).where(Announcement.id == announcement_id, _showing(utcnow()))
    )
    if found is None:
        raise NotFound("announcement")
    return found


def dismiss(session: Session, member: Member, row: Announcement) -> None:
    """Marked read for the member; again is no error (Mastodon finds or creates it)."""
    exists = session.scalar(
        select(AnnouncementRead.id).where(
            AnnouncementRead.member_id == member.id, AnnouncementRead.announcement_id == row.id
        )
    )
    if exists is None:
        # two apps dismissing at once: the unique key keeps one mark, and neither fails
        with contextlib.suppress(IntegrityError), session.begin_nested():
            session.add(AnnouncementRead(member_id=member.id, announcement_id=row.id))
            session.flush()


def read_ids(session: Session, member: Member, ids: list[int]) -> set[int]:
    """Which of these announcements the member dismissed."""
    if not ids:
        return set()
    return set(
        session.scalars(
            select(AnnouncementRead.announcement_id).where(
                AnnouncementRead.member_id == member.id,
                AnnouncementRead.announcement_id.in_(ids),
            )
        )
    )


#: code points that are emoji (or are drawn as one with U+FE0F), as Unicode's emoji-data lists
#: them, by block; the joiners and modifiers below make sequences of them
_EMOJI_RANGES = (
    (0x00A9, 0x00A9),
    (0x00AE, 0x00AE),
    (0x203C, 0x203C),
    (0x2049, 0x2049),
    (0x2122, 0x2122),
    (0x2139, 0x2139),
    (0x2194, 0x21AA),
    (0x231A, 0x23FF),
    (0x24C2, 0x24C2),
    (0x25AA, 0x25FE),
    (0x2600, 0x27BF),
    (0x2934, 0x2935),
    (0x2B05, 0x2B55),
    (0x3030, 0x3030),
    (0x303D, 0x303D),
    (0x3297, 0x3299),
    (0x1F000, 0x1FAFF),
)
#: zero-width joiner, variation selectors, the keycap, tags (subdivision flags)
_JOINERS = {0x200D, 0xFE0E, 0xFE0F, 0x20E3, *range(0xE0020, 0xE0080)}
#: a keycap's base: `1️⃣`, `#️⃣`, `*️⃣`
_KEYCAP_BASES = set("0123456789#*")


def is_unicode_emoji(name: str) -> bool:
    """A Unicode emoji (one, or one sequence: skin tones, flags, families, keycaps). Any
    other name would be a custom emoji's shortcode, and the city has none."""
    if not name or len(name) > MAX_EMOJI:
        return False
    points = [ord(c) for c in name]
    if name[0] in _KEYCAP_BASES:
        return len(points) in (2, 3) and points[-1] == 0x20E3
    bases = 0
    for point in points:
        if any(low <= point <= high for low, high in _EMOJI_RANGES):
            bases += 1
        elif point not in _JOINERS:
            return False
    return bases > 0


def _unrecognized() -> DomainError:
    return DomainError(
        "unrecognized_emoji", "Validation failed: Name is not a recognized emoji", 422
    )


def react(session: Session, member: Member, row: Announcement, name: str) -> None:
    """The member's reaction `name` (a Unicode emoji); the same again is refused (422
    `Duplicate record`), as Mastodon refuses it and Mastodon.py documents."""
    if not is_unicode_emoji(name):
        raise _unrecognized()
    names = set(
        session.scalars(
            select(AnnouncementReaction.name)
            .where(AnnouncementReaction.announcement_id == row.id)
            .distinct()
        )
    )
    if name not in names and len(names) >= MAX_REACTIONS:
        raise DomainError(
            "reaction_limit", "Validation failed: Limit of different reactions reached", 422
        )
    mine = session.scalar(
        select(AnnouncementReaction.id).where(
            AnnouncementReaction.announcement_id == row.id,
            AnnouncementReaction.member_id == member.id,
            AnnouncementReaction.name == name,
        )
    )
    if mine is not None:
        raise _duplicate()
    try:
        # the unique key is the last word when the same reaction is sent twice at once
        with session.begin_nested():
            session.add(
                AnnouncementReaction(announcement_id=row.id, member_id=member.id, name=name)
            )
            session.flush()
    except IntegrityError:
        raise _duplicate() from None
    _journal(session, row, name)


def _duplicate() -> DomainError:
    """Mastodon's answer to a reaction made again (its unique index refuses the row)."""
    return DomainError("duplicate_reaction", "Duplicate record", 422)


def unreact(session: Session, member: Member, row: Announcement, name: str) -> None:
    """The member's reaction `name` taken back; one the member did not make is unknown
    (Mastodon answers 404)."""
    gone = session.execute(
        delete(AnnouncementReaction).where(
            AnnouncementReaction.announcement_id == row.id,
            AnnouncementReaction.member_id == member.id,
            AnnouncementReaction.name == name,
        )
    )
    if not getattr(gone, "rowcount", 0):
        raise NotFound("reaction")
    _journal(session, row, name)


def _journal(session: Session, row: Announcement, name: str) -> None:
    """The change in the reactions' journal for the streams, and the rows no stream needs
    any more gone."""
    moment = utcnow()
    session.execute(
        delete(AnnouncementReactionEvent).where(
            AnnouncementReactionEvent.created_at < moment - JOURNAL_KEPT
        )
    )
    session.add(AnnouncementReactionEvent(announcement_id=row.id, name=name, created_at=moment))
    session.flush()


@dataclass(frozen=True)
class ReactionChange:
    """An emoji whose count changed on an announcement, and its count now."""

    announcement_id: int
    name: str
    count: int


def latest_reaction_change(session: Session) -> int:
    """The journal's newest id (a stream sends only what comes after it)."""
    return session.scalar(select(func.max(AnnouncementReactionEvent.id))) or 0


def reaction_changes(session: Session, after: int, limit: int) -> tuple[list[ReactionChange], int]:
    """The emojis chosen or taken back since journal id `after`, on announcements shown now,
    each once with its count as it is now (several changes of one emoji between two polls
    are one event with the last count, which is all an app shows), oldest change first; and
    the last journal id read."""
    rows = session.execute(
        select(
            AnnouncementReactionEvent.id,
            AnnouncementReactionEvent.announcement_id,
            AnnouncementReactionEvent.name,
        )
        .where(AnnouncementReactionEvent.id > after)
        .order_by(AnnouncementReactionEvent.id)
        .limit(limit)
    ).all()
    if not rows:
        return [], after
    changed = list(dict.fromkeys((number, name) for _, number, name in rows))
    ids = sorted({number for number, _ in changed})
    showing = set(
        session.scalars(select(Announcement.id).where(Announcement.id.in_(ids), _showing(utcnow())))
    )
    counts = {
        (number, name): int(count)
        for number, name, count in session.execute(
            select(AnnouncementReaction.announcement_id, AnnouncementReaction.name, func.count())
            .where(AnnouncementReaction.announcement_id.in_(ids))
            .group_by(AnnouncementReaction.announcement_id, AnnouncementReaction.name)
        )
    }
    found = [
        ReactionChange(number, name, counts.get((number, name), 0))
        for number, name in changed
        if number in showing
    ]
    return found, rows[-1][0]


def reactions(session: Session, ids: list[int], member: Member | None) -> dict[int, list[Reaction]]:
    """Each announcement's reactions, in the order each emoji was first chosen, counted in
    one read; `me` says whether `member` chose it."""
    if not ids:
        return {}
    me = (
        func.max(case((AnnouncementReaction.member_id == member.id, 1), else_=0))
        if member is not None
        else func.max(0)
    )
    rows = session.execute(
        select(
            AnnouncementReaction.announcement_id,
            AnnouncementReaction.name,
            func.count(),
            me,
        )
        .where(AnnouncementReaction.announcement_id.in_(ids))
        .group_by(AnnouncementReaction.announcement_id, AnnouncementReaction.name)
        .order_by(AnnouncementReaction.announcement_id, func.min(AnnouncementReaction.id))
    ).all()
    found: dict[int, list[Reaction]] = {}
    for announcement_id, name, count, mine in rows:
        found.setdefault(announcement_id, []).append(Reaction(name, int(count), bool(mine)))
    return found


def changed_since(session: Session, moment: datetime) -> list[Announcement]:
    """The announcements published or unpublished after `moment`, oldest change first (the
    streams send them)."""
    return list(
        session.scalars(
            select(Announcement)
            .where(Announcement.updated_at > moment, Announcement.published_at.is_not(None))
            .order_by(Announcement.updated_at, Announcement.id)
        )
    )
