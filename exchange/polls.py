"""Consultations: the rules of a poll staff attach to a discussion space, and of its votes.

A poll moves along `GRAPH` (open -> closed) and nothing else moves it. It takes votes while
it is open and before its `closes_at`; a member votes once (one option, or several in one
go when the poll is `multiple`); a resident of another server votes the Mastodon way, one
`Note` per option, and only when staff allowed other cities' votes in a federated space.
Members' and other servers' votes are counted apart (`Tally`). Refusals carry a code and
its facts so that the web says them in the member's language (web/messages.py); a refused
vote writes nothing.

Functions over a Session; they never commit and never render.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    DiscussionSpace,
    Member,
    Poll,
    PollResults,
    PollState,
    PollVote,
    RemoteActor,
    SpaceAudience,
    new_public_id,
    utcnow,
)

from .discussions import check_open, check_staff
from .errors import DomainError, Forbidden, NotFound
from .moderation_log import record
from .state_graph import StateGraph

GRAPH = StateGraph("poll", PollState, {PollState.open: {PollState.closed}, PollState.closed: set()})

MAX_QUESTION = 500
MAX_OPTION = 100
#: Mastodon's own limit is 4 by default and servers raise it; 10 keeps a ballot readable
MAX_OPTIONS = 10


@dataclass(frozen=True)
class PollDraft:
    """What staff give when they attach a poll."""

    question: str
    options: Sequence[str]
    closes_at: datetime
    multiple: bool = False
    remote_votes: bool = False
    results: PollResults = PollResults.after_vote


@dataclass(frozen=True)
class Tally:
    """Votes per option (in the options' order), members' and other servers' apart, and how
    many voters of each kind."""

    members: list[int]
    remote: list[int]
    member_voters: int
    remote_voters: int

    @property
    def total(self) -> list[int]:
        return [a + b for a, b in zip(self.members, self.remote, strict=True)]

    @property
    def voters(self) -> int:
        return self.member_voters + self.remote_voters


# ---------------------------------------------------------------------- staff


def attach(
    session: Session,
    by: Member | None,
    space: DiscussionSpace,
    draft: PollDraft,
    uri_of: Callable[[str], str],
    *,
    now: datetime | None = None,
) -> Poll:
    """Staff attach a poll to an open space (`by` None is the command line), logged."""
    if by is not None:
        check_staff(by)
    check_open(space, now)
    question = draft.question.strip()
    if not question or len(question) > MAX_QUESTION:
        raise DomainError(
            "invalid_question",
            f"a question needs 1 to {MAX_QUESTION} characters",
            400,
            {"limit": MAX_QUESTION},
        )
    options = [o.strip() for o in draft.options if o.strip()]
    if not 2 <= len(options) <= MAX_OPTIONS:
        raise DomainError(
            "invalid_options",
            f"a poll has 2 to {MAX_OPTIONS} options",
            400,
            {"limit": MAX_OPTIONS},
        )
    if any(len(o) > MAX_OPTION for o in options):
        raise DomainError(
            "option_too_long",
            f"an option is at most {MAX_OPTION} characters",
            400,
            {"limit": MAX_OPTION},
        )
    if len(set(options)) != len(options):
        raise DomainError("duplicate_option", "two options have the same text", 400)
    if draft.closes_at <= (now or utcnow()):
        raise DomainError("invalid_poll_close", "a poll closes in the future", 400)
    if draft.remote_votes and space.audience is not SpaceAudience.federated:
        raise DomainError(
            "remote_votes_members_only",
            "this discussion is for the city's members only: other cities cannot vote in it",
            400,
        )
    public_id = new_public_id()
    poll = Poll(
        public_id=public_id,
        uri=uri_of(public_id),
        space_id=space.id,
        question=question,
        options=options,
        multiple=draft.multiple,
        remote_votes=draft.remote_votes,
        results=draft.results,
        state=PollState.open,
        closes_at=draft.closes_at,
        created_by_id=by.id if by is not None else None,
    )
    session.add(poll)
    session.flush()
    record(session, by, "poll.attach", "poll", poll.uri)
    return poll


def close(
    session: Session,
    by: Member | None,
    poll: Poll,
    *,
    early: bool = False,
    now: datetime | None = None,
) -> bool:
    """Close a poll: at its `closes_at` (the scheduled job), or `early` when staff decide
    (`by` None: the command line), logged. False, nothing done, when it is closed already or
    its time has not come and it is not closed early."""
    moment = now or utcnow()
    if by is not None:
        check_staff(by)
    if poll.state is PollState.closed or (not early and moment < poll.closes_at):
        return False
    GRAPH.move(poll, PollState.closed)
    poll.closed_at = moment
    if early:
        record(session, by, "poll.close", "poll", poll.uri)
    return True


# ---------------------------------------------------------------------- reading


def find(session: Session, public_id: str) -> Poll:
    poll = session.scalar(select(Poll).where(Poll.public_id == public_id))
    if poll is None:
        raise NotFound(f"poll {public_id!r}")
    return poll


def by_uri(session: Session, uri: str | None) -> Poll | None:
    return None if not uri else session.scalar(select(Poll).where(Poll.uri == uri))


def of_space(session: Session, space: DiscussionSpace) -> list[Poll]:
    """A space's polls, the newest first."""
    return list(
        session.scalars(select(Poll).where(Poll.space_id == space.id).order_by(Poll.id.desc()))
    )


def space_of(session: Session, poll: Poll) -> DiscussionSpace:
    space = session.get(DiscussionSpace, poll.space_id)
    assert space is not None
    return space


def accepts_votes(poll: Poll, now: datetime | None = None) -> bool:
    return poll.state is PollState.open and (now or utcnow()) < poll.closes_at


def tally(session: Session, poll: Poll) -> Tally:
    members = [0] * len(poll.options)
    remote = [0] * len(poll.options)
    rows = session.execute(
        select(PollVote.choice, PollVote.member_id.is_(None), func.count())
        .where(PollVote.poll_id == poll.id)
        .group_by(PollVote.choice, PollVote.member_id.is_(None))
    )
    for choice, is_remote, count in rows:
        if 0 <= choice < len(members):
            (remote if is_remote else members)[choice] += count
    member_voters = session.scalar(
        select(func.count(func.distinct(PollVote.member_id))).where(
            PollVote.poll_id == poll.id, PollVote.member_id.is_not(None)
        )
    )
    remote_voters = session.scalar(
        select(func.count(func.distinct(PollVote.remote_actor_id))).where(
            PollVote.poll_id == poll.id, PollVote.remote_actor_id.is_not(None)
        )
    )
    return Tally(members, remote, member_voters or 0, remote_voters or 0)


def choices_of(session: Session, poll: Poll, member: Member) -> list[int]:
    """The options a member chose, in order ([] before they vote)."""
    return list(
        session.scalars(
            select(PollVote.choice)
            .where(PollVote.poll_id == poll.id, PollVote.member_id == member.id)
            .order_by(PollVote.choice)
        )
    )


def results_visible(poll: Poll, voted: bool) -> bool:
    """Everyone sees the tally once the poll is closed; before, a voter sees it only when staff
    chose `after_vote`."""
    return poll.state is PollState.closed or (voted and poll.results is PollResults.after_vote)


# ---------------------------------------------------------------------- votes


def _check_open(poll: Poll, now: datetime | None) -> None:
    if not accepts_votes(poll, now):
        raise DomainError(
            "poll_closed", "This poll is closed: it takes no more votes.", 409, {"poll": poll.uri}
        )


def _lock(session: Session, poll: Poll) -> None:
    """Votes of one poll take turns: a voter's earlier choices are read and the new ones written
    while the poll's row is locked (FOR UPDATE on PostgreSQL; SQLite's writers take turns
    already), so two votes of one voter processed at once cannot both pass "not voted yet"."""
    session.execute(select(Poll.id).where(Poll.id == poll.id).with_for_update())


def _already_voted() -> DomainError:
    return DomainError("already_voted", "You have already voted in this poll.", 409)


def vote(
    session: Session,
    poll: Poll,
    member: Member,
    choices: Sequence[int],
    *,
    now: datetime | None = None,
) -> list[PollVote]:
    """A member's vote: one option, or several when the poll is `multiple`; once."""
    if not member.is_active:
        raise Forbidden("only active members may vote")
    _check_open(poll, now)
    picked = sorted(set(choices))
    if not picked:
        raise DomainError("no_choice", "Choose an option.", 400)
    if any(not 0 <= c < len(poll.options) for c in picked):
        raise DomainError("unknown_option", "This poll has no such option.", 400)
    if len(picked) > 1 and not poll.multiple:
        raise DomainError("one_choice_only", "This poll takes one option only.", 400)
    _lock(session, poll)
    if choices_of(session, poll, member):
        raise _already_voted()
    votes = [PollVote(poll_id=poll.id, choice=c, member_id=member.id) for c in picked]
    session.add_all(votes)
    session.flush()
    return votes


def vote_remote(
    session: Session,
    poll: Poll,
    actor: RemoteActor,
    option: str,
    uri: str,
    *,
    now: datetime | None = None,
) -> PollVote:
    """A vote from another server's resident: a Note whose `name` is the option, as
    Mastodon sends one per option chosen. Counted only when staff allowed other cities'
    votes; in a single-choice poll one Note per voter, in a multiple-choice one each option
    once."""
    if not poll.remote_votes:
        raise DomainError(
            "remote_votes_refused", "This poll takes votes from the city's members only.", 403
        )
    _check_open(poll, now)
    if option not in poll.options:
        raise DomainError("unknown_option", "This poll has no such option.", 400)
    choice = poll.options.index(option)
    _lock(session, poll)
    cast = set(
        session.scalars(
            select(PollVote.choice).where(
                PollVote.poll_id == poll.id, PollVote.remote_actor_id == actor.id
            )
        )
    )
    if (cast and not poll.multiple) or choice in cast:
        raise _already_voted()
    row = PollVote(poll_id=poll.id, choice=choice, remote_actor_id=actor.id, uri=uri)
    session.add(row)
    session.flush()
    return row
