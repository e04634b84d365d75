"""Hashtags as members see and follow them (models/hashtag.py): following and unfollowing
one, the followed ones, and finding hashtags by name (their use over the last week and the
trending ones: exchange/hashtag_uses.py).

A hashtag is made when a note first carries it (the link rows' mapper events) or when a
member follows it before anyone used it, as Mastodon makes it then.
"""

from __future__ import annotations

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from models import Hashtag, HashtagFollow, Member
from models.hashtag import ensure, normalize

from .errors import NotFound


def name_of(raw: str) -> str:
    """The normalized name, or 404 for what is no hashtag (digits alone, punctuation)."""
    found = normalize(raw)
    if found is None:
        raise NotFound("record")
    return found


def find(session: Session, name: str) -> Hashtag | None:
    return session.scalar(select(Hashtag).where(Hashtag.name == name))


def get_or_make(session: Session, name: str) -> Hashtag:
    ensure(session.connection(), [name])
    return session.scalars(select(Hashtag).where(Hashtag.name == name)).one()


def follows(session: Session, member_id: int, hashtag_ids: list[int]) -> set[int]:
    """Which of these hashtags the member follows."""
    if not hashtag_ids:
        return set()
    found = select(HashtagFollow.hashtag_id).where(
        HashtagFollow.member_id == member_id, HashtagFollow.hashtag_id.in_(hashtag_ids)
    )
    return set(session.scalars(found))


def follow(session: Session, member_id: int, name: str) -> Hashtag:
    """Follow it (again: no change), made first if nobody used it yet."""
    hashtag = get_or_make(session, name)
    if not follows(session, member_id, [hashtag.id]):
        session.add(HashtagFollow(member_id=member_id, hashtag_id=hashtag.id))
        session.flush()
        _count(session, member_id)
    return hashtag


def unfollow(session: Session, member_id: int, name: str) -> Hashtag:
    """No longer follow it (not following: no error, as on Mastodon)."""
    hashtag = get_or_make(session, name)
    session.execute(
        delete(HashtagFollow).where(
            HashtagFollow.member_id == member_id, HashtagFollow.hashtag_id == hashtag.id
        )
    )
    _count(session, member_id)
    return hashtag


def _count(session: Session, member_id: int) -> None:
    """`members.followed_hashtags` counted again (the home statement's shape reads it)."""
    counted = (
        select(func.count())
        .select_from(HashtagFollow)
        .where(HashtagFollow.member_id == member_id)
        .scalar_subquery()
    )
    session.execute(update(Member).where(Member.id == member_id).values(followed_hashtags=counted))


def followed(
    session: Session,
    member_id: int,
    *,
    max_id: int | None = None,
    since_id: int | None = None,
    min_id: int | None = None,
    limit: int = 100,
) -> list[tuple[int, Hashtag]]:
    """(follow id, hashtag) of the member's followed hashtags, newest follow first, paged
    by follow id as Mastodon pages them."""
    query = (
        select(HashtagFollow.id, Hashtag)
        .join(Hashtag, Hashtag.id == HashtagFollow.hashtag_id)
        .where(HashtagFollow.member_id == member_id)
    )
    if max_id is not None:
        query = query.where(HashtagFollow.id < max_id)
    if since_id is not None:
        query = query.where(HashtagFollow.id > since_id)
    if min_id is not None:
        query = query.where(HashtagFollow.id > min_id).order_by(HashtagFollow.id.asc())
        rows = [(r[0], r[1]) for r in session.execute(query.limit(limit))]
        return rows[::-1]
    return [
        (r[0], r[1]) for r in session.execute(query.order_by(HashtagFollow.id.desc()).limit(limit))
    ]


def search(session: Session, text: str, limit: int, offset: int = 0) -> list[Hashtag]:
    """Hashtags whose name starts with the text (`#` dropped), the exact one first, as
    Mastodon's hashtag search finds them."""
    wanted = normalize(text) or text.strip().lstrip("#").lower()
    if not wanted:
        return []
    escaped = wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    query = (
        select(Hashtag)
        .where(or_(Hashtag.name == wanted, Hashtag.name.like(f"{escaped}%", escape="\\")))
        .order_by((Hashtag.name != wanted), func.length(Hashtag.name), Hashtag.name)
        .offset(offset)
        .limit(limit)
    )
    return list(session.scalars(query))
