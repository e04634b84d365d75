"""`comptoir reports ...` and `comptoir moderation log`: the report queue from the command line.

The same functions as the moderators' web pages and API (exchange.reports,
services.moderation, services.reports). Actions taken here are logged as the command line's
(no moderator). What they federate (a Delete, a Flag) is queued and sent by the server's
worker.
"""

from __future__ import annotations

import argparse
from typing import Any

from exchange import moderation_log, reports
from instance.settings import load_settings
from models import Report, ReportState, Severity
from server.app import build_city
from server.cli_common import command, in_db
from services import moderation
from services import reports as forwarding


def _city(args: argparse.Namespace) -> Any:

    return build_city(load_settings(args.config), with_worker=False)


def _line(report: Report) -> str:
    source = f"from {report.origin}" if report.origin else "from a member"
    objects = f", {len(report.object_uris)} objects" if report.object_uris else ""
    return (
        f"{report.public_id}  {report.state.value:<6} {report.created_at:%Y-%m-%d %H:%M}  "
        f"{report.account_uri}{objects}  ({source})"
    )


@command
def cmd_list(args: argparse.Namespace) -> int:
    state = None if args.all else ReportState.open
    for report in in_db(
        args, lambda s: reports.list_reports(s, state=state, limit=args.limit), write=False
    ):
        print(_line(report))
    return 0


@command
def cmd_show(args: argparse.Namespace) -> int:
    report = in_db(args, lambda s: reports.get_report(s, args.id), write=False)
    print(_line(report))
    print(f"reason: {report.comment}")
    for uri in report.object_uris:
        print(f"object: {uri}")
    for action in report.actions:
        print(
            f"action: {action['at']} {action['by'] or 'command line'}: "
            f"{action['action']} {action['detail']}"
        )
    if report.forwarded_uri:
        print(f"forwarded: {report.forwarded_uri}")
    if report.state is ReportState.closed:
        print(f"closed: {report.closed_at:%Y-%m-%d %H:%M}: {report.resolution}")
    return 0


def _with_city_write(args: argparse.Namespace, work: Any) -> Any:
    city = _city(args)
    try:
        return city.db.write_sync(lambda s: work(s, city))
    finally:
        city.db.dispose()


@command
def cmd_act(args: argparse.Namespace) -> int:

    done = _with_city_write(
        args,
        lambda s, city: moderation.act(
            s,
            city,
            reports.get_report(s, args.id),
            args.action,
            None,
            reason=args.reason,
            severity=Severity(args.severity),
        ),
    )
    print(done)
    return 0


@command
def cmd_forward(args: argparse.Namespace) -> int:

    flag = _with_city_write(
        args,
        lambda s, city: forwarding.forward(
            s, city, reports.get_report(s, args.id), None, args.note
        ),
    )
    print(f"forwarded as {flag}")
    return 0


@command
def cmd_close(args: argparse.Namespace) -> int:
    in_db(args, lambda s: reports.close(s, reports.get_report(s, args.id), None, args.note))
    print(f"closed report {args.id}")
    return 0


@command
def cmd_log(args: argparse.Namespace) -> int:
    for line in in_db(args, lambda s: moderation_log.lines(s, limit=args.limit), write=False):
        by = f"@{line.by}" if line.by else "command-line"
        print(
            f"{line.at:%Y-%m-%d %H:%M:%S}  {by:<16} {line.action:<22} "
            f"{line.target_type}:{line.target}" + (f"  ({line.reason})" if line.reason else "")
        )
    return 0


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    r = sub.add_parser("reports", help="the report queue").add_subparsers(
        dest="reports_command", required=True, metavar="ACTION"
    )
    p = r.add_parser("list", parents=[common], help="open reports, newest first")
    p.add_argument("--all", action="store_true", help="closed ones too")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=cmd_list)
    p = r.add_parser("show", parents=[common], help="one report with its actions")
    p.add_argument("id")
    p.set_defaults(func=cmd_show)
    p = r.add_parser(
        "act",
        parents=[common],
        help="hide or take down its objects, suspend the account, block the domain",
    )
    p.add_argument("id")
    p.add_argument("action", choices=["hide", "take_down", "suspend_account", "block_domain"])
    p.add_argument("--reason", default="")
    p.add_argument(
        "--severity",
        choices=[s.value for s in Severity],
        default="suspend",
        help="for block_domain (default suspend)",
    )
    p.set_defaults(func=cmd_act)
    p = r.add_parser(
        "forward", parents=[common], help="send the report to the account's server as a Flag"
    )
    p.add_argument("id")
    p.add_argument("--note", default="", help="added to the reporter's reason")
    p.set_defaults(func=cmd_forward)
    p = r.add_parser("close", parents=[common], help="close a report with a note")
    p.add_argument("id")
    p.add_argument("--note", required=True)
    p.set_defaults(func=cmd_close)

    m = sub.add_parser("moderation", help="the moderation log").add_subparsers(
        dest="moderation_command", required=True, metavar="ACTION"
    )
    p = m.add_parser("log", parents=[common], help="who did what, when and why; newest first")
    p.add_argument("--limit", type=int, default=100)
    p.set_defaults(func=cmd_log)
