"""`comptoir discussions ...`: staff open, list, close, reopen and archive discussion spaces
from the command line.

The same use cases as the staff's pages and API (services.discussions); what is done here is
logged as the command line's (no moderator). Opening draws the Group's key pair.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from exchange import discussions
from exchange.discussions import SpaceDraft
from exchange.errors import DomainError
from instance.settings import load_settings
from models import DiscussionSpace, SpaceAudience, SpaceState
from server.app import build_city
from server.cli_common import command, in_db
from services import discussions as square

STATES = {"close": SpaceState.closed, "reopen": SpaceState.open, "archive": SpaceState.archived}


def _line(space: DiscussionSpace) -> str:
    shown = "open" if discussions.accepts_posts(space) else space.state.value
    if space.state is SpaceState.open and shown != "open":
        shown = "outside its dates"
    until = f"  until {space.closes_at:%Y-%m-%d %H:%M}" if space.closes_at else ""
    return f"{space.slug:<24} {shown:<18} {space.audience.value:<10} {space.title}{until}"


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise DomainError("invalid_dates", f"not an ISO 8601 date: {value!r}", 400) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def with_city_write(args: argparse.Namespace, work: Any) -> Any:
    city = build_city(load_settings(args.config), with_worker=False)
    try:
        return city.db.write_sync(lambda s: work(s, city))
    finally:
        city.db.dispose()


@command
def cmd_list(args: argparse.Namespace) -> int:
    for space in in_db(args, discussions.listed_spaces, write=False):
        print(_line(space))
    return 0


@command
def cmd_open(args: argparse.Namespace) -> int:
    draft = SpaceDraft(
        slug=args.slug,
        title=args.title,
        description=args.description,
        audience=SpaceAudience(args.audience),
        opens_at=parse_time(args.opens_at),
        closes_at=parse_time(args.closes_at),
    )
    space = with_city_write(args, lambda s, city: square.open_space(s, city, None, draft))
    print(f"opened {space.slug}")
    return 0


@command
def cmd_state(args: argparse.Namespace) -> int:
    state = STATES[args.discussions_command]
    with_city_write(args, lambda s, city: square.set_state(s, city, None, args.slug, state))
    print(f"{args.slug}: {state.value}")
    return 0


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> Any:
    """`comptoir discussions ...`; returns its subparsers, where `poll` is added
    (server/cli_polls.py)."""
    d = sub.add_parser("discussions", help="discussion spaces (the town square)").add_subparsers(
        dest="discussions_command", required=True, metavar="ACTION"
    )
    p = d.add_parser("list", parents=[common], help="open and closed spaces, newest first")
    p.set_defaults(func=cmd_list)
    p = d.add_parser("open", parents=[common], help="open a space (a Group actor of its own)")
    p.add_argument("slug", help="its name: /discussions/SLUG and acct:SLUG@city")
    p.add_argument("title")
    p.add_argument("--description", default="", help="plain text")
    p.add_argument(
        "--audience",
        choices=[a.value for a in SpaceAudience],
        default=SpaceAudience.members.value,
        help="members only (default) or federated (followers from other cities take part)",
    )
    p.add_argument("--opens-at", help="ISO 8601 (default: now; UTC when no zone is given)")
    p.add_argument("--closes-at", help="ISO 8601 (default: when staff close it)")
    p.set_defaults(func=cmd_open)
    for action, text in (
        ("close", "close a space: it stays readable, takes no posts"),
        ("reopen", "reopen a closed space"),
        ("archive", "archive a space: read-only, off the list, for good"),
    ):
        p = d.add_parser(action, parents=[common], help=text)
        p.add_argument("slug")
        p.set_defaults(func=cmd_state)
    return d
