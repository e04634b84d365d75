"""Polls on the wire: the space's Group's `Question`, shaped as Mastodon renders a poll, its
`Create` when staff attach it and its `Update` with the final tally at the close.

Why the Group is the author: a remote voter answers the Question's `attributedTo` (Mastodon
sends each chosen option as a `Note` with `name` = the option and `inReplyTo` = the Question
to that actor's inbox), and the Group's inbox is the space's door, checked by the same
pipeline as its replies. The Group's followers are the space's audience, so the Create and
the Update go to them.

The counts (`replies.totalItems` per option, `votersCount`) are published only when everyone
may see them: at once when staff chose to show results after the vote, only in the final
Update when they chose to show them at the close. Members' and other servers' votes are
added together on the wire; the split is shown on our pages and in the API.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from exchange.polls import Tally
from federation.vocab import PUBLIC
from instance.city import City
from instance.html import text_to_html
from instance.urls import Urls
from models import DiscussionSpace, Poll, PollResults, PollState

from . import render
from .discussions import federated, group_id
from .publish import Audience, publish

#: the Mastodon term a Question's voter count is read by
POLL_TERMS = {"votersCount": "toot:votersCount"}


def counts_public(poll: Poll) -> bool:
    """Whether the tally may be on the wire now."""
    return poll.state is PollState.closed or poll.results is PollResults.after_vote


def render_question(urls: Urls, space: DiscussionSpace, poll: Poll, tally: Tally) -> dict[str, Any]:
    group = group_id(urls, space)
    shown = counts_public(poll)
    totals = tally.total
    options = []
    for index, label in enumerate(poll.options):
        option: dict[str, Any] = {"type": "Note", "name": label}
        if shown:
            option["replies"] = {"type": "Collection", "totalItems": totals[index]}
        options.append(option)
    document: dict[str, Any] = {
        "@context": [*render.context(urls), POLL_TERMS],
        "id": poll.uri,
        "type": "Question",
        "attributedTo": group,
        "content": text_to_html(poll.question),
        "mediaType": "text/html",
        "published": render.iso(poll.published),
        "url": poll.uri,
        "endTime": render.iso(poll.closes_at),
        "anyOf" if poll.multiple else "oneOf": options,
        "to": [group, PUBLIC] if federated(space) else [group],
        "cc": [urls.followers(group)] if federated(space) else [],
        "audience": group,
    }
    if shown:
        document["votersCount"] = tally.voters
    if poll.closed_at is not None:
        document["closed"] = render.iso(poll.closed_at)
    return document


def _send(session: Session, city: City, space: DiscussionSpace, activity: dict[str, Any]) -> None:
    """Stored and served in every space; delivered to the Group's followers when it federates."""
    group = group_id(city.urls, space)
    audience = Audience(followers_of=[group]) if federated(space) else Audience()
    publish(session, city, activity, audience)


def federate_poll(
    session: Session, city: City, space: DiscussionSpace, poll: Poll, tally: Tally
) -> None:
    """Staff attached a poll: the Group's Create of the Question."""
    question = render_question(city.urls, space, poll, tally)
    create = render.activity(
        city.urls,
        "Create",
        f"{poll.uri}/activity",
        question["attributedTo"],
        question,
        to=question["to"],
        cc=question["cc"],
        published=poll.published,
        audience=question["audience"],
    )
    create["@context"] = question["@context"]
    _send(session, city, space, create)


def federate_result(
    session: Session, city: City, space: DiscussionSpace, poll: Poll, tally: Tally
) -> None:
    """The poll closed: the Group's Update of the Question, with `closed` and the final tally.
    Its id derives from the poll, so the result is one activity, sent once."""
    question = render_question(city.urls, space, poll, tally)
    update = render.activity(
        city.urls,
        "Update",
        f"{poll.uri}/result",
        question["attributedTo"],
        question,
        to=question["to"],
        cc=question["cc"],
        audience=question["audience"],
    )
    update["@context"] = question["@context"]
    _send(session, city, space, update)
