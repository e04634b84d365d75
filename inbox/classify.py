"""What an inbound Create is, decided once: a listing, a negotiation message, a note, or nothing.

The decision (`classify_create`) is pure: it reads the typed object and the facts gathered
before any transaction (whether the sender wrote it, whether its city publishes a currency,
what of ours it answers, the sender's followers collection). `answered_here` is the small
database read it needs. The order of the rules is the order of precedence:
- not a note, or not the sender's own: ignored;
- a listing (FEP-0837) from a city that publishes its currency: a remote listing;
- a Note naming an option (`name`) in reply to one of our polls' Questions: a vote (Mastodon's
  shape);
- a Page or Note answering nothing, addressed to one of our discussion Groups (FEP-1b12): a
  new thread in that space;
- a Note in reply to one of our discussion threads or replies (FEP-1b12): a discussion reply;
- a Note in reply to one of our projects' Pages: a project reply (the market announces it);
- a Note in one of our negotiation threads (by `context`, or replying to one of its
  messages), or a direct reply to one of our listings: a negotiation message;
- any other note: an ordinary note (kept if it concerns us).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy.orm import Session

from exchange import discussions, negotiations, polls, projects
from federation.inbound_listing import InboundListing
from federation.inbound_note import InboundNote
from models import Negotiation


class Route(enum.Enum):
    listing = "listing"
    message = "message"
    discussion = "discussion"
    discussion_thread = "discussion_thread"
    poll_vote = "poll_vote"
    project_reply = "project_reply"
    note = "note"
    ignored = "ignored"


class Answers(enum.Enum):
    """What of ours a note answers."""

    thread = "thread"  # one of our negotiation threads
    listing = "listing"  # one of our own listings
    discussion = "discussion"  # one of our discussion threads or replies
    poll = "poll"  # one of our polls' Questions
    project = "project"  # one of our projects' Pages


@dataclass(frozen=True)
class CreateFacts:
    """What the decision needs beyond the object, gathered before the transaction."""

    authored: bool
    origin_has_currency: bool = False
    answers: Answers | None = None
    sender_followers: str | None = None
    #: one of our discussion Groups the object is addressed to (to, cc or audience)
    group: str | None = None


def classify_create(
    note: InboundNote | None, listing: InboundListing | None, facts: CreateFacts
) -> Route:
    """The one handler an inbound Create goes to."""
    if note is None or not facts.authored:
        return Route.ignored
    if listing is not None and facts.origin_has_currency:
        return Route.listing
    if note.type == "Note" and note.name and facts.answers is Answers.poll:
        return Route.poll_vote
    if note.in_reply_to is None and facts.group is not None and note.type in ("Page", "Note"):
        return Route.discussion_thread
    if note.type == "Note" and facts.answers is Answers.discussion:
        return Route.discussion
    if note.type == "Note" and facts.answers is Answers.project:
        return Route.project_reply
    if note.type == "Note" and facts.answers is Answers.thread:
        return Route.message
    if note.type == "Note" and facts.answers is Answers.listing:
        if note.visibility(facts.sender_followers) == "direct":
            return Route.message
    return Route.note


def answered_here(session: Session, note: InboundNote) -> Answers | None:
    """The read `classify_create` needs: what of ours, if anything, the note answers."""
    if polls.by_uri(session, note.in_reply_to) is not None:
        return Answers.poll
    if discussions.answered(session, note.in_reply_to) is not None:
        return Answers.discussion
    if note.in_reply_to and projects.by_uri(session, note.in_reply_to) is not None:
        return Answers.project
    found = negotiations.answered_by(session, note.context, note.in_reply_to)
    if found is None:
        return None
    return Answers.thread if isinstance(found, Negotiation) else Answers.listing
