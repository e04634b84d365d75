"""The city's announcements: staff write, publish and unpublish them; members read them in
their apps, dismiss them and react to them with an emoji, as on Mastodon 4.3.

An announcement moves along `GRAPH` (draft -> published <-> unpublished) and nothing else
moves it. Members see the published ones whose `ends_at` is not past: Mastodon unpublishes an
announcement when its end passes (a scheduler job); here the end is read when listing, so an
ended one leaves every app at the moment it ends, with no job to run. `starts_at` is the time
of what it announces, not a publication date: an announcement of next Monday's closure is
shown before Monday, as on Mastodon.

Reactions are Unicode emojis only: the city has no custom emojis, so any other name is
refused (422) with Mastodon's message, as is a ninth different emoji on one announcement
(Mastodon's limit). Every staff action is in the moderation log.

Functions over a Session; they never commit and never render.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from models import (
    Announcement,
    AnnouncementReaction,
    AnnouncementRead,
    AnnouncementState,
    Member,
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
) -> Announcement:
    """A draft: nobody sees it until it is published."""
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
    row = Announcement(
        text=text,
        state=AnnouncementState.draft,
        starts_at=starts_at,
        ends_at=ends_at,
        all_day=all_day,
        created_by_id=by.id if by is not None else None,
        created_at=moment,
        updated_at=moment,
    )
    session.add(row)
    session.flush()
    record(session, by, "announcement.add", "announcement", str(row.id))
    return row


def find(session: Session, announcement_id: int) -> Announcement:
    found = session.get(Announcement, announcement_id)
    if found is None:
        raise NotFound("announcement")
    return found


def publish(session: Session, row: Announcement, by: Member | None) -> None:
    """Shown from now on; `published_at` is this publication's, as Mastodon sets it."""
    GRAPH.move(row, AnnouncementState.published)
    row.published_at = row.updated_at = utcnow()
    record(session, by, "announcement.publish", "announcement", str(row.id))


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
