"""Members following this city's own discussion spaces, as Mastodon apps follow a Group.

A remote account follows a space's Group through the federation (services/discussions.py,
`receive_follow`); a member of the city follows it here, with nothing to send: the row
(models/space_follow.py) is the subscription, and the home timeline then shows the space's
threads (exchange/statuses.py), as it shows the threads of another city's Group the member
follows. Following needs no approval (the space's threads are public); an archived space,
read-only and off the list of spaces, takes no new followers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, BindParameter, Select, cast, func, select
from sqlalchemy.orm import Session

from models import (
    Direction,
    DiscussionSpace,
    DiscussionThread,
    Follow,
    FollowState,
    Member,
    MemberStatus,
    SpaceFollow,
    SpaceState,
)

from .errors import DomainError, Forbidden


def follow(session: Session, member: Member, space: DiscussionSpace) -> SpaceFollow:
    """The member follows the space; again is no error (as Mastodon answers a second
    follow)."""
    if not member.is_active:
        raise Forbidden("only active members follow discussions")
    existing = _row(session, member.id, space.id)
    if existing is not None:
        return existing
    if space.state is SpaceState.archived:
        raise DomainError(
            "space_archived", "this discussion is archived: it takes no new followers", 422
        )
    row = SpaceFollow(member_id=member.id, space_id=space.id)
    session.add(row)
    session.flush()
    return row


def unfollow(session: Session, member: Member, space: DiscussionSpace) -> None:
    """No longer following; not following already is no error."""
    existing = _row(session, member.id, space.id)
    if existing is not None:
        session.delete(existing)
        session.flush()


def follows(session: Session, member_id: int, space_id: int) -> bool:
    return _row(session, member_id, space_id) is not None


def followed_spaces(member_id: int | BindParameter[int]) -> Select[Any]:
    """The ids of the spaces a member follows (a subquery of the home timeline's query)."""
    return select(SpaceFollow.space_id).where(SpaceFollow.member_id == member_id)


#: a space follow's place in a list that also holds `follows` rows (a member's following, a
#: space's followers): its row id plus this, past any `follows` id, so one keyset pages both
ENTRY_BASE = 10**15


def followed_by(member_id: int | BindParameter[int]) -> Select[Any]:
    """The entries (`ENTRY_BASE` + row id) of the spaces a member follows, archived ones
    left out (off the list of spaces)."""
    return (
        select((cast(SpaceFollow.id, BigInteger) + ENTRY_BASE).label("entry"))
        .join(DiscussionSpace, DiscussionSpace.id == SpaceFollow.space_id)
        .where(SpaceFollow.member_id == member_id, DiscussionSpace.state != SpaceState.archived)
    )


def members_following(space_id: int) -> Select[Any]:
    """The entries (`ENTRY_BASE` + row id) of the active members following a space."""
    return (
        select((cast(SpaceFollow.id, BigInteger) + ENTRY_BASE).label("entry"))
        .join(Member, Member.id == SpaceFollow.member_id)
        .where(SpaceFollow.space_id == space_id, Member.status == MemberStatus.active)
    )


def following_count(session: Session, member_id: int) -> int:
    return session.scalar(select(func.count()).select_from(followed_by(member_id).subquery())) or 0


def followers_count(session: Session, space: DiscussionSpace, group_uri: str) -> int:
    """Active members following it here and remote accounts following its Group."""
    members = session.scalar(
        select(func.count()).select_from(members_following(space.id).subquery())
    )
    remote = session.scalar(
        select(func.count())
        .select_from(Follow)
        .where(
            Follow.local_actor == group_uri,
            Follow.direction == Direction.inbound,
            Follow.state == FollowState.accepted,
        )
    )
    return (members or 0) + (remote or 0)


def threads_count(session: Session, space: DiscussionSpace) -> int:
    """Its threads a reader sees (not hidden by a moderator)."""
    found = session.scalar(
        select(func.count())
        .select_from(DiscussionThread)
        .where(DiscussionThread.space_id == space.id, DiscussionThread.hidden.is_(False))
    )
    return found or 0


def _row(session: Session, member_id: int, space_id: int) -> SpaceFollow | None:
    return session.scalar(
        select(SpaceFollow).where(
            SpaceFollow.member_id == member_id, SpaceFollow.space_id == space_id
        )
    )
