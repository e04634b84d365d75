"""Consultations' use cases: staff attach a poll to a discussion space and may close it early,
members vote, other servers' residents vote the Mastodon way, and the poll closes at its time.

Each is the domain change (exchange/polls.py) and what it causes (outbox/polls.py: the
Group's Create of the Question, its Update with the result; the `poll.close` job) in the
caller's transaction; nothing here commits.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange import discussions, polls
from exchange.errors import DomainError
from exchange.polls import PollDraft, Tally
from federation.inbound_note import InboundNote
from instance import queue
from instance.city import City
from models import Member, Poll, PollVote, RemoteActor
from outbox import polls as wire

log = logging.getLogger("comptoir.polls")

POLL_CLOSE = "poll.close"


def attach(session: Session, city: City, by: Member | None, slug: str, draft: PollDraft) -> Poll:
    """Staff attach a poll to a space: the Group publishes the Question, and its close is
    queued for `closes_at`. `by` None is the command line."""
    space = discussions.find_space(session, slug)
    poll = polls.attach(session, by, space, draft, city.urls.poll)
    queue.enqueue(
        session,
        POLL_CLOSE,
        {"poll": poll.public_id},
        run_at=poll.closes_at,
        key=f"{POLL_CLOSE}:{poll.public_id}",
    )
    wire.federate_poll(session, city, space, poll, polls.tally(session, poll))
    return poll


def vote(session: Session, city: City, member: Member, public_id: str, choices: list[int]) -> Poll:
    """A member votes, once."""
    poll = polls.find(session, public_id)
    polls.vote(session, poll, member, choices)
    return poll


def close(session: Session, city: City, by: Member | None, public_id: str) -> Poll:
    """Staff close a poll before its time (`by` None: the command line); the result is
    published at once. A poll closed already is refused, so nothing is sent twice."""
    poll = polls.find(session, public_id)
    if not polls.close(session, by, poll, early=True):
        raise DomainError("poll_closed", "This poll is closed: it takes no more votes.", 409)
    publish_result(session, city, poll)
    return poll


def close_if_due(session: Session, city: City, public_id: str) -> bool:
    """The scheduled close: at `closes_at` the poll closes and the Group publishes the result.
    False when its time has not come; True when it is closed (now, or already)."""
    poll = polls.find(session, public_id)
    if polls.accepts_votes(poll):
        return False
    if polls.close(session, None, poll):
        publish_result(session, city, poll)
    return True


def publish_result(session: Session, city: City, poll: Poll) -> None:
    wire.federate_result(session, city, polls.space_of(session, poll), poll, tally(session, poll))


def tally(session: Session, poll: Poll) -> Tally:
    return polls.tally(session, poll)


def receive_vote(session: Session, city: City, sender: RemoteActor, note: InboundNote) -> bool:
    """Another server's resident voted: a Note naming an option, in reply to our Question.
    Counted when the poll takes other cities' votes, the sender's server is allowed and
    the vote is its first (or, in a multiple-choice poll, a new option); otherwise it is
    dropped, logged, and nothing is written."""
    poll = polls.by_uri(session, note.in_reply_to)
    if poll is None or note.name is None:
        return False
    if session.scalar(select(PollVote.id).where(PollVote.uri == note.id)):
        return False  # a repeat
    policy = city.fediverse.policy.current_sync(session)
    if (
        not policy.allows(sender.uri)
        or policy.actor_suspended(sender.uri)
        or sender.suspended_at is not None
    ):
        log.info("vote %s on %s refused: federation_refused", note.id, poll.uri)
        return False
    try:
        with session.begin_nested():
            polls.vote_remote(session, poll, sender, note.name.strip(), note.id)
    except DomainError as exc:
        log.info("vote %s on %s refused: %s", note.id, poll.uri, exc.code)
        return False
    return True
