"""`comptoir discussions poll ...`: staff attach a poll to a discussion space, list a space's
polls with their tally, and close one before its time (its result is published at once).

The same use cases as the pages and the API (services.polls); what is done here is logged as
the command line's. The tally is always shown here: the command line is staff's.
"""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy.orm import Session

from exchange import discussions, polls
from exchange.polls import PollDraft
from models import Poll, PollResults
from server.cli_common import command, in_db
from services import polls as consultations

from .cli_discussions import parse_time, with_city_write


def _lines(session: Session, poll: Poll) -> list[str]:
    tally = polls.tally(session, poll)
    kind = "several options" if poll.multiple else "one option"
    remote = "other cities vote" if poll.remote_votes else "members only"
    head = (
        f"{poll.public_id}  {poll.state.value:<6}  until {poll.closes_at:%Y-%m-%d %H:%M} UTC  "
        f"{kind}, {remote}, results {poll.results.value}  {poll.question}"
    )
    rows = [
        f"    {label:<30} members {tally.members[i]:>5}  other cities {tally.remote[i]:>5}"
        f"  total {tally.total[i]:>5}"
        for i, label in enumerate(poll.options)
    ]
    voters = f"    voters: {tally.member_voters} members, {tally.remote_voters} from other cities"
    return [head, *rows, voters]


@command
def cmd_poll_add(args: argparse.Namespace) -> int:
    closes_at = parse_time(args.closes_at)
    assert closes_at is not None  # required by the parser
    draft = PollDraft(
        question=args.question,
        options=args.option,
        closes_at=closes_at,
        multiple=args.multiple,
        remote_votes=args.remote_votes,
        results=PollResults(args.results),
    )
    poll = with_city_write(
        args, lambda s, city: consultations.attach(s, city, None, args.slug, draft)
    )
    print(f"poll {poll.public_id} attached to {args.slug}")
    return 0


@command
def cmd_poll_list(args: argparse.Namespace) -> int:
    def read(session: Session) -> list[str]:
        space = discussions.find_space(session, args.slug)
        return [line for poll in polls.of_space(session, space) for line in _lines(session, poll)]

    for line in in_db(args, read, write=False):
        print(line)
    return 0


@command
def cmd_poll_close(args: argparse.Namespace) -> int:
    def work(session: Session, city: Any) -> list[str]:
        return _lines(session, consultations.close(session, city, None, args.id))

    for line in with_city_write(args, work):
        print(line)
    return 0


def add_parsers(d: Any, common: argparse.ArgumentParser) -> None:
    """`poll` under `comptoir discussions`."""
    p = d.add_parser("poll", help="consultations: polls attached to a space")
    sub = p.add_subparsers(dest="poll_command", required=True, metavar="ACTION")
    p = sub.add_parser("add", parents=[common], help="attach a poll to an open space")
    p.add_argument("slug", help="the space")
    p.add_argument("question")
    p.add_argument(
        "--option", action="append", required=True, help="an option (2 to 10: repeat it)"
    )
    p.add_argument("--closes-at", required=True, help="ISO 8601 (UTC when no zone is given)")
    p.add_argument("--multiple", action="store_true", help="several options may be chosen")
    p.add_argument(
        "--remote-votes",
        action="store_true",
        help="count other cities' residents' votes, apart (a federated space only)",
    )
    p.add_argument(
        "--results",
        choices=[r.value for r in PollResults],
        default=PollResults.after_vote.value,
        help="after_vote (default): a voter sees the tally; at_close: nobody before the close",
    )
    p.set_defaults(func=cmd_poll_add)
    p = sub.add_parser("list", parents=[common], help="a space's polls and their tally")
    p.add_argument("slug")
    p.set_defaults(func=cmd_poll_list)
    p = sub.add_parser("close", parents=[common], help="close a poll now; its result goes out")
    p.add_argument("id", help="the poll's id (see list)")
    p.set_defaults(func=cmd_poll_close)
