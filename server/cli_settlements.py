"""`comptoir settlements list|show|resolve`: cross-city payments from the command line.

The same functions as the admin API (exchange.settlements, services.settlement_recovery). `resolve`
forces the outcome of a settlement still open here (its partner city unreachable for good,
say): it commits or voids our hold, records the settlement as disputed, and suspends the
exchange rules with that partner until the two cities have reconciled. What it federates
(the payer city's decision) is queued and sent by the server's worker.
"""

from __future__ import annotations

import argparse
from typing import Any

from exchange import settlements
from instance.amounts import format_amount
from instance.settings import load_settings
from models import Settlement, SettlementState
from server.app import build_city
from server.cli_common import command, in_db
from services import settlement_recovery


def _line(row: Settlement) -> str:
    source = f"{format_amount(row.source_amount, row.source_scale)} {row.source_currency}"
    target = f"{format_amount(row.target_amount, row.target_scale)} {row.target_currency}"
    flags = " disputed" if row.disputed else ""
    code = f" ({row.code})" if row.code else ""
    return (
        f"{row.public_id}  {row.role.value:<5} {row.state.value:<9} "
        f"{row.created_at:%Y-%m-%d %H:%M}  {source} -> {target}  {row.partner}{code}{flags}"
    )


@command
def cmd_list(args: argparse.Namespace) -> int:
    state = SettlementState(args.state) if args.state else None
    for row in in_db(
        args, lambda s: settlements.listing(s, state=state, limit=args.limit), write=False
    ):
        print(_line(row))
    return 0


@command
def cmd_show(args: argparse.Namespace) -> int:
    row = in_db(args, lambda s: settlements.find(s, args.id), write=False)
    print(_line(row))
    for label, value in (
        ("uri", row.uri),
        ("agreement", row.agreement_uri),
        ("payer", row.payer),
        ("payee", row.payee),
        ("rule", f"{row.rule} {row.rule_hash}"),
        ("fee", format_amount(row.fee_amount, row.source_scale)),
        ("expires", f"{row.expires_at:%Y-%m-%d %H:%M:%S}" if row.expires_at else "-"),
        (
            "deadline",
            f"{row.decision_deadline:%Y-%m-%d %H:%M:%S}" if row.decision_deadline else "-",
        ),
        ("reason", row.reason or "-"),
    ):
        print(f"{label}: {value}")
    return 0


@command
def cmd_resolve(args: argparse.Namespace) -> int:
    city = build_city(load_settings(args.config), with_worker=False)
    try:
        row: Any = city.db.write_sync(
            lambda s: settlement_recovery.resolve(
                s, city, args.id, commit=args.outcome == "commit", reason=args.reason
            )
        )
    finally:
        city.db.dispose()
    print(f"settlement {row.public_id} forced {row.state.value}, recorded as disputed; ")
    print(f"the exchange rules with {row.partner} are suspended until the cities reconcile")
    return 0


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    s = sub.add_parser("settlements", help="payments with other cities").add_subparsers(
        dest="settlements_command", required=True, metavar="ACTION"
    )
    p = s.add_parser("list", parents=[common], help="settlements, newest first")
    p.add_argument("--state", choices=[state.value for state in SettlementState])
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=cmd_list)
    p = s.add_parser("show", parents=[common], help="one settlement")
    p.add_argument("id")
    p.set_defaults(func=cmd_show)
    p = s.add_parser(
        "resolve",
        parents=[common],
        help="force the outcome of an open settlement (disputed; suspends the partnership)",
    )
    p.add_argument("id")
    p.add_argument("outcome", choices=["commit", "abort"])
    p.add_argument("--reason", required=True)
    p.set_defaults(func=cmd_resolve)
