"""Accounts to follow (Mastodon's `/api/v2/suggestions`), and suggestions a member dismissed.

What a member of Comptoir follows: remote accounts (people, other cities' discussion Groups,
partner cities' markets, whose listings then come home) and this city's discussion spaces
(exchange/space_follows.py). Members of one city do not follow each other, so no member is
ever suggested. Each suggestion names why, with Mastodon 4.3's `sources`:

- `featured`: the markets of the partner cities the city has an exchange rule in force with
  (the admin chose these partners);
- `similar_to_recently_followed`: accounts followed by the other members who follow what the
  member followed last (their 20 latest follows), and the spaces followed by the members who
  follow the same spaces;
- `most_followed`: the remote accounts and spaces most followed by the city's members;
- `most_interactions`: the remote accounts whose statuses our members favourited and reblogged
  most in the last `INTERACTION_DAYS`.

Mastodon's `friends_of_friends` (followed by the accounts the member follows) is never given:
whom a remote account follows is not known here.

Never suggested: what the member follows or asked to follow, the accounts they block or
mute, those of the domains they block, a remote account blocking them, a dismissed one, an
account suspended or deleted, of a refused or silenced domain (`shut`, `quiet`), an instance
actor (an `Application`), an archived space. Ranked by the first of their sources in the
order above, then by how strongly that source names them, then by id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from models import (
    AccountBlock,
    Direction,
    DiscussionSpace,
    DiscussionThread,
    ExchangeRule,
    Follow,
    FollowState,
    Listing,
    Note,
    Partnership,
    RemoteActor,
    RuleStatus,
    SpaceFollow,
    SpaceState,
    Status,
    StatusReaction,
    SuggestionDismissal,
    utcnow,
)

from .hidden_accounts import hidden_actors

#: Mastodon's sources, in the order suggestions are ranked
SOURCES = ("featured", "similar_to_recently_followed", "most_followed", "most_interactions")
#: the member's latest follows that `similar_to_recently_followed` starts from
RECENT_FOLLOWS = 20
#: the reactions `most_interactions` counts are of these last days
INTERACTION_DAYS = 30
#: candidates read per source (a page is at most 80)
PER_SOURCE = 200
DEFAULT_LIMIT, MAX_LIMIT = 40, 80


@dataclass(frozen=True)
class Key:
    """A suggested account: a remote actor or one of this city's discussion spaces."""

    actor_id: int | None = None
    space_id: int | None = None


@dataclass
class Suggestion:
    key: Key
    sources: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Reader:
    """The member asking, their actor URI, and the federation policy's refused (`shut`)
    and silenced (`quiet`) domains."""

    member_id: int
    uri: str
    shut: list[str]
    quiet: list[str]


def _my_follows(reader: Reader) -> Select[Any]:
    """The remote accounts the member follows or asked to follow (any state)."""
    return select(Follow.remote_actor_id).where(
        Follow.local_actor == reader.uri, Follow.direction == Direction.outbound
    )


def _accepted() -> tuple[Any, ...]:
    """An accepted follow of ours."""
    return (
        Follow.direction == Direction.outbound,
        Follow.state == FollowState.accepted,
    )


def _actor_ok(reader: Reader, actor: Any) -> tuple[Any, ...]:
    """`actor` may be suggested to the reader."""
    now = utcnow()
    eligible = select(RemoteActor.id).where(
        RemoteActor.deleted_at.is_(None),
        RemoteActor.suspended_at.is_(None),
        RemoteActor.type != "Application",
        RemoteActor.domain.not_in(reader.shut + reader.quiet),
    )
    blocking_me = select(AccountBlock.remote_actor_id).where(
        AccountBlock.member_id == reader.member_id,
        AccountBlock.incoming.is_(True),
        AccountBlock.remote_actor_id.is_not(None),
    )
    dismissed = select(SuggestionDismissal.remote_actor_id).where(
        SuggestionDismissal.member_id == reader.member_id,
        SuggestionDismissal.remote_actor_id.is_not(None),
    )
    return (
        actor.in_(eligible),
        actor.not_in(_my_follows(reader)),
        actor.not_in(hidden_actors(reader.member_id, now, domains=True)),
        actor.not_in(blocking_me),
        actor.not_in(dismissed),
    )


def _space_ok(reader: Reader, space: Any) -> tuple[Any, ...]:
    open_spaces = select(DiscussionSpace.id).where(DiscussionSpace.state != SpaceState.archived)
    mine = select(SpaceFollow.space_id).where(SpaceFollow.member_id == reader.member_id)
    dismissed = select(SuggestionDismissal.space_id).where(
        SuggestionDismissal.member_id == reader.member_id,
        SuggestionDismissal.space_id.is_not(None),
    )
    return (space.in_(open_spaces), space.not_in(mine), space.not_in(dismissed))


def _featured(session: Session, reader: Reader) -> list[tuple[Key, int]]:
    partners = (
        select(Partnership.domain)
        .join(ExchangeRule, ExchangeRule.partnership_id == Partnership.id)
        .where(ExchangeRule.status == RuleStatus.active)
    )
    query = (
        select(RemoteActor.id)
        .where(
            RemoteActor.preferred_username == "market",
            RemoteActor.domain.in_(partners),
            *_actor_ok(reader, RemoteActor.id),
        )
        .order_by(RemoteActor.id)
        .limit(PER_SOURCE)
    )
    return [(Key(actor_id=i), 0) for i in session.scalars(query)]


def _similar(session: Session, reader: Reader) -> list[tuple[Key, int]]:
    recent = (
        select(Follow.remote_actor_id)
        .where(Follow.local_actor == reader.uri, *_accepted())
        .order_by(Follow.id.desc())
        .limit(RECENT_FOLLOWS)
        .subquery()
    )
    alike = select(Follow.local_actor).where(
        Follow.remote_actor_id.in_(select(recent.c.remote_actor_id)),
        Follow.local_actor != reader.uri,
        *_accepted(),
    )
    followers = func.count(func.distinct(Follow.local_actor))
    actors = (
        select(Follow.remote_actor_id, followers)
        .where(
            Follow.local_actor.in_(alike), *_accepted(), *_actor_ok(reader, Follow.remote_actor_id)
        )
        .group_by(Follow.remote_actor_id)
        .order_by(followers.desc(), Follow.remote_actor_id)
        .limit(PER_SOURCE)
    )
    found = [(Key(actor_id=i), n) for i, n in session.execute(actors)]
    mine = select(SpaceFollow.space_id).where(SpaceFollow.member_id == reader.member_id)
    same = select(SpaceFollow.member_id).where(
        SpaceFollow.space_id.in_(mine), SpaceFollow.member_id != reader.member_id
    )
    members = func.count(func.distinct(SpaceFollow.member_id))
    spaces = (
        select(SpaceFollow.space_id, members)
        .where(SpaceFollow.member_id.in_(same), *_space_ok(reader, SpaceFollow.space_id))
        .group_by(SpaceFollow.space_id)
        .order_by(members.desc(), SpaceFollow.space_id)
        .limit(PER_SOURCE)
    )
    found += [(Key(space_id=i), n) for i, n in session.execute(spaces)]
    return sorted(found, key=lambda pair: -pair[1])


def _most_followed(session: Session, reader: Reader) -> list[tuple[Key, int]]:
    followers = func.count(func.distinct(Follow.local_actor))
    actors = (
        select(Follow.remote_actor_id, followers)
        .where(
            Follow.local_actor != reader.uri,
            *_accepted(),
            *_actor_ok(reader, Follow.remote_actor_id),
        )
        .group_by(Follow.remote_actor_id)
        .order_by(followers.desc(), Follow.remote_actor_id)
        .limit(PER_SOURCE)
    )
    found = [(Key(actor_id=i), n) for i, n in session.execute(actors)]
    members = func.count(func.distinct(SpaceFollow.member_id))
    spaces = (
        select(SpaceFollow.space_id, members)
        .where(SpaceFollow.member_id != reader.member_id, *_space_ok(reader, SpaceFollow.space_id))
        .group_by(SpaceFollow.space_id)
        .order_by(members.desc(), SpaceFollow.space_id)
        .limit(PER_SOURCE)
    )
    found += [(Key(space_id=i), n) for i, n in session.execute(spaces)]
    return sorted(found, key=lambda pair: -pair[1])


def _most_interactions(session: Session, reader: Reader) -> list[tuple[Key, int]]:
    """Driven from the reactions of the period (few), each joined to its status and its
    author: started from the statuses, it read every note of the city (66 ms at 100,000)."""
    since = utcnow() - timedelta(days=INTERACTION_DAYS)
    author = func.coalesce(
        Note.remote_actor_id, Listing.remote_actor_id, DiscussionThread.remote_actor_id
    ).label("actor")
    reacted = (
        select(author)
        .select_from(StatusReaction)
        .join(Status, Status.id == StatusReaction.status_id)
        .outerjoin(Note, Note.id == Status.note_id)
        .outerjoin(Listing, Listing.id == Status.listing_id)
        .outerjoin(DiscussionThread, DiscussionThread.id == Status.thread_id)
        .where(StatusReaction.created_at >= since, StatusReaction.member_id != reader.member_id)
        .subquery()
    )
    count = func.count()
    query = (
        select(reacted.c.actor, count)
        .where(reacted.c.actor.is_not(None), *_actor_ok(reader, reacted.c.actor))
        .group_by(reacted.c.actor)
        .order_by(count.desc(), reacted.c.actor)
        .limit(PER_SOURCE)
    )
    return [(Key(actor_id=i), n) for i, n in session.execute(query)]


def suggested(session: Session, reader: Reader, limit: int = DEFAULT_LIMIT) -> list[Suggestion]:
    """The member's suggestions, the best first, each with all its sources."""
    found: dict[Key, Suggestion] = {}
    readers = (_featured, _similar, _most_followed, _most_interactions)
    for source, read in zip(SOURCES, readers, strict=True):
        for key, _ in read(session, reader):
            found.setdefault(key, Suggestion(key)).sources.append(source)
    # `found` keeps the first source's order (dicts keep insertion order)
    return list(found.values())[: max(1, min(limit, MAX_LIMIT))]


def dismiss(session: Session, member_id: int, key: Key) -> None:
    """Never suggest this account again (again is no error)."""
    column = (
        SuggestionDismissal.remote_actor_id
        if key.actor_id is not None
        else SuggestionDismissal.space_id
    )
    value = key.actor_id if key.actor_id is not None else key.space_id
    done = select(SuggestionDismissal.id).where(
        SuggestionDismissal.member_id == member_id, column == value
    )
    if session.scalar(done) is None:
        session.add(
            SuggestionDismissal(
                member_id=member_id, remote_actor_id=key.actor_id, space_id=key.space_id
            )
        )
        session.flush()
