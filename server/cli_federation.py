"""`comptoir federation status|retry|discard`: federation health from the command line.

The same functions as the admin page /admin/federation (outbox.federation_health,
outbox.redelivery). What a retry queues is sent by the server's worker (or `comptoir
worker`), which polls the queue every second.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from outbox import federation_health, redelivery
from server.cli_common import command, in_db


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def _selection(args: argparse.Namespace) -> redelivery.Selection:
    return redelivery.Selection(
        deliveries=args.delivery or [],
        hosts=args.host or [],
        inbound=args.inbound or [],
        everything=args.all,
    )


def print_status(health: federation_health.Health) -> None:
    print(
        "HOST                          STATE        LAST SUCCESS      LAST FAILURE      "
        "QUEUED  RETRYING  FAILED  LAST ERROR"
    )
    for h in health.hosts:
        state = "available" if h.available else "unavailable"
        print(
            f"{h.authority:<29} {state:<12} {_when(h.last_success_at):<17} "
            f"{_when(h.last_failure_at):<17} {h.queued:>6}  {h.retrying:>8}  {h.failed:>6}  "
            f"{h.last_error[:80]}"
        )
    if not health.hosts:
        print("(no known host)")
    print()
    print(f"failed deliveries: {len(health.failed_deliveries)}")
    for d in health.failed_deliveries:
        print(f"  delivery {d.job_id}  {d.inbox}  after {d.attempts} attempts: {d.error[:120]}")
    print(f"failed inbound activities: {health.failed_inbound_total}")
    for a in health.failed_inbound:
        print(
            f"  inbound {a.id}  {a.type} from {a.actor} at {_when(a.received_at)}: {a.error[:120]}"
        )


@command
def cmd_status(args: argparse.Namespace) -> int:
    health = in_db(args, federation_health.report, write=False)
    if args.json:
        print(
            json.dumps(
                {
                    "hosts": [h.as_json() for h in health.hosts],
                    "failed_deliveries": [
                        {"id": d.job_id, "inbox": d.inbox, "attempts": d.attempts, "error": d.error}
                        for d in health.failed_deliveries
                    ],
                    "failed_inbound": [
                        {
                            "id": a.id,
                            "uri": a.uri,
                            "type": a.type,
                            "actor": a.actor,
                            "received_at": a.received_at.isoformat(),
                            "error": a.error,
                        }
                        for a in health.failed_inbound
                    ],
                    "failed_inbound_total": health.failed_inbound_total,
                },
                indent=2,
            )
        )
    else:
        print_status(health)
    return 0


@command
def cmd_retry(args: argparse.Namespace) -> int:
    selection = _selection(args)
    done = in_db(args, lambda s: redelivery.retry(s, selection))
    print(done.summary("queued again"))
    return 0


@command
def cmd_discard(args: argparse.Namespace) -> int:
    selection = _selection(args)
    done = in_db(args, lambda s: redelivery.discard(s, selection))
    print(done.summary("discarded"))
    return 0


def _selection_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", action="append", metavar="HOST", help="failed deliveries to HOST")
    p.add_argument("--delivery", action="append", type=int, metavar="ID", help="one delivery")
    p.add_argument(
        "--inbound", action="append", type=int, metavar="ID", help="one inbound activity"
    )
    p.add_argument("--all", action="store_true", help="everything that failed")


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    f = sub.add_parser(
        "federation", help="federation health: hosts, deliveries, failures"
    ).add_subparsers(dest="federation_command", required=True, metavar="ACTION")
    p = f.add_parser(
        "status",
        parents=[common],
        help="known hosts, availability, queued/retrying/failed deliveries, failed inbound",
    )
    p.add_argument("--json", action="store_true", help="as JSON")
    p.set_defaults(func=cmd_status)
    p = f.add_parser(
        "retry",
        parents=[common],
        help="send failed deliveries again (process failed inbound again)",
    )
    _selection_arguments(p)
    p.set_defaults(func=cmd_retry)
    p = f.add_parser(
        "discard", parents=[common], help="delete failed deliveries or inbound activities"
    )
    _selection_arguments(p)
    p.set_defaults(func=cmd_discard)
