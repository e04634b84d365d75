"""`comptoir announcements list|add|publish|unpublish|remove`: the city's announcements to its
residents, shown in their Mastodon apps (exchange/announcements.py has the rules).

What is done here is logged as the command line's (no staff member). `add --at WHEN`
schedules the publication (the `announcement.publish` job publishes it then). Bad input (an
empty text, a date that is not ISO 8601, an end before the start, a publication time past,
`--at` with `--publish`, an id that is not a number) exits 2; an unknown announcement or a
move its state does not allow (publishing a published one) exits 1.
"""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy.orm import Session

from exchange import announcements
from exchange.errors import DomainError
from models import Announcement
from server.cli_common import command, in_db

from .cli_discussions import parse_time

#: the one line of an announcement in `list` and after each action
TEXT_SHOWN = 60


def _line(row: Announcement) -> str:
    dates = ""
    if row.starts_at is not None or row.ends_at is not None:
        start = f"{row.starts_at:%Y-%m-%d %H:%M}" if row.starts_at else "…"
        end = f"{row.ends_at:%Y-%m-%d %H:%M}" if row.ends_at else "…"
        dates = f"  {start} → {end} UTC{' (all day)' if row.all_day else ''}"
    if row.scheduled_at is not None:
        dates += f"  (to be published {row.scheduled_at:%Y-%m-%d %H:%M} UTC)"
    text = " ".join(row.text.split())
    if len(text) > TEXT_SHOWN:
        text = text[: TEXT_SHOWN - 1] + "…"
    return f"{row.id:>5}  {row.state.value:<11}  {text}{dates}"


def _number(value: str) -> int:
    if not value.isdigit() or len(value) > 9:
        raise DomainError("invalid_id", f"not an announcement id: {value!r}", 400)
    return int(value)


@command
def cmd_list(args: argparse.Namespace) -> int:
    lines = in_db(args, lambda s: [_line(r) for r in announcements.listed(s)], write=False)
    for line in lines:
        print(line)
    if not lines:
        print("no announcements")
    return 0


@command
def cmd_add(args: argparse.Namespace) -> int:
    starts_at, ends_at = parse_time(args.starts_at), parse_time(args.ends_at)
    scheduled_at = parse_time(args.at)
    if scheduled_at is not None and args.publish:
        raise DomainError("invalid_at", "--at publishes later, --publish now: choose one", 400)

    def write(session: Session) -> str:
        row = announcements.add(
            session,
            args.text,
            None,
            starts_at=starts_at,
            ends_at=ends_at,
            all_day=args.all_day,
            scheduled_at=scheduled_at,
        )
        if args.publish:
            announcements.publish(session, row, None)
        return _line(row)

    print(in_db(args, write))
    return 0


ACTIONS = {
    "publish": announcements.publish,
    "unpublish": announcements.unpublish,
}


@command
def cmd_move(args: argparse.Namespace) -> int:
    number = _number(args.id)
    act = ACTIONS[args.announcements_command]

    def write(session: Session) -> str:
        row = announcements.find(session, number)
        act(session, row, None)
        return _line(row)

    print(in_db(args, write))
    return 0


@command
def cmd_remove(args: argparse.Namespace) -> int:
    number = _number(args.id)

    def write(session: Session) -> None:
        announcements.remove(session, announcements.find(session, number), None)

    in_db(args, write)
    print(f"announcement {number} removed")
    return 0


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    a = sub.add_parser(
        "announcements", help="the city's announcements, shown in residents' apps"
    ).add_subparsers(dest="announcements_command", required=True, metavar="ACTION")
    p = a.add_parser("list", parents=[common], help="every announcement, newest first")
    p.set_defaults(func=cmd_list)
    p = a.add_parser("add", parents=[common], help="write an announcement (a draft)")
    p.add_argument("text", help="plain text; URLs are linked")
    p.add_argument("--starts-at", help="when what it announces starts (ISO 8601, UTC by default)")
    p.add_argument("--ends-at", help="when it ends; the announcement is not shown after it")
    p.add_argument("--all-day", action="store_true", help="the dates are whole days")
    p.add_argument("--publish", action="store_true", help="publish it at once")
    p.add_argument(
        "--at",
        metavar="ISO-DATETIME",
        help="publish it then (ISO 8601, UTC by default; a time to come): a worker does it",
    )
    p.set_defaults(func=cmd_add)
    for action, text in (
        ("publish", "show an announcement to the residents"),
        ("unpublish", "take an announcement down (it may be published again)"),
    ):
        p = a.add_parser(action, parents=[common], help=text)
        p.add_argument("id", help="the announcement's id (see list)")
        p.set_defaults(func=cmd_move)
    p = a.add_parser("remove", parents=[common], help="delete an announcement for good")
    p.add_argument("id")
    p.set_defaults(func=cmd_remove)
