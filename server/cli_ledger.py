"""`comptoir ledger ...`: check, inspect, adjust and export the city currency from the command
line.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from exchange import ledger
from exchange.amounts import parse_amount
from instance.settings import Settings, load_settings
from server.cli_common import fail, in_db


def _amount_or_none(text: str | None, settings: Settings) -> int | None:
    if text is None or text.lower() == "none":
        return None
    return parse_amount(text, settings.currency.scale, allow_zero=True)


def cmd_check(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    report = in_db(settings, ledger.check_ledger, write=False)
    if not report.ok:
        extra = f" (and {len(report.violations) - 1} more)" if len(report.violations) > 1 else ""
        return fail(f"ledger check failed: {report.violations[0]}{extra}", 1)
    sums, fmt = report.totals, settings.currency.format
    print(
        f"ledger ok: {sums.accounts} accounts, {report.transfers} transfers, {report.legs} legs; "
        f"balances sum to {fmt(sums.balance_sum)} {settings.currency.code}; "
        f"posted {fmt(sums.debits_posted)}, pending {fmt(sums.debits_pending)}"
    )
    return 0


def cmd_accounts(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    accounts, sums = in_db(
        settings, lambda s: (ledger.accounts_page(s, limit=10**9), ledger.totals(s)), write=False
    )
    fmt = settings.currency.format
    print(
        f"{'account':<40} {'balance':>14} {'pending -':>12} {'pending +':>12} "
        f"{'credit limit':>14} {'max':>14}"
    )
    for a in accounts:
        limit = fmt(-a.min_balance) if a.min_balance is not None else "none"
        ceiling = fmt(a.max_balance) if a.max_balance is not None else "none"
        print(
            f"{a.key:<40} {fmt(a.balance):>14} {fmt(a.debits_pending):>12} "
            f"{fmt(a.credits_pending):>12} {limit:>14} {ceiling:>14}"
        )
    print(f"{'sum of balances':<40} {fmt(sums.balance_sum):>14}")
    return 0


def cmd_adjust(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    currency = settings.currency
    amount = parse_amount(args.amount, currency.scale)
    public_id = ledger.check_client_id(args.id)

    def work(session: Any) -> tuple[str, int, ledger.Posting]:
        account = ledger.resolve_account(session, currency, args.account)
        corrected = ledger.find_transfer(session, args.corrects) if args.corrects else None
        posting = ledger.adjust(
            session,
            currency,
            account,
            amount,
            credit=not args.debit,
            reason=args.reason,
            by=None,
            public_id=public_id,
            corrects=corrected,
        )
        return account.key, account.balance, posting

    key, balance, posting = in_db(settings, work)
    verb = "debited" if args.debit else "credited"
    state = "" if posting.created else " (already done with this id)"
    print(
        f"{verb} {key} {currency.format(amount)} {currency.code}: "
        f"transfer {posting.transfer.public_id}{state}; balance {currency.format(balance)}"
    )
    return 0


def cmd_set_limit(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    currency = settings.currency
    if args.credit_limit is None and args.max_balance is None:
        return fail("give --credit-limit, --max-balance or both", 2)
    credit_limit = _amount_or_none(args.credit_limit, settings)
    max_balance = _amount_or_none(args.max_balance, settings)

    def work(session: Any) -> tuple[str, int | None, int | None]:
        account = ledger.resolve_account(session, currency, args.account)
        floor = (
            account.min_balance
            if args.credit_limit is None
            else (None if credit_limit is None else -credit_limit)
        )
        ceiling = account.max_balance if args.max_balance is None else max_balance
        ledger.set_limits(
            session,
            currency,
            account,
            min_balance=floor,
            max_balance=ceiling,
            reason=args.reason,
            by=None,
        )
        return account.key, floor, ceiling

    key, floor, ceiling = in_db(settings, work)
    limit = currency.format(-floor) if floor is not None else "none"
    top = currency.format(ceiling) if ceiling is not None else "none"
    print(f"{key}: credit limit {limit}, maximum balance {top}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    currency = settings.currency
    try:
        start = datetime.fromisoformat(args.start).replace(tzinfo=UTC) if args.start else None
        end = (
            datetime.fromisoformat(args.end).replace(tzinfo=UTC) + timedelta(days=1)
            if args.end
            else None
        )
    except ValueError:
        return fail("--from and --to are dates like 2026-11-30", 2)
    if start and end and start >= end:
        return fail("--from is after --to", 2)

    def read(session: Any) -> str:
        account = ledger.resolve_account(session, currency, args.account, create=False)
        entries = ledger.entries_between(session, account.id, start, end) if account.id else []
        return ledger.statement_csv(entries, currency)

    sys.stdout.write(in_db(settings, read, write=False))
    return 0


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    group = sub.add_parser("ledger", help="the city currency").add_subparsers(
        dest="ledger_command", required=True, metavar="ACTION"
    )
    p = group.add_parser(
        "check",
        parents=[common],
        help="verify every ledger invariant; exit 1 naming the first broken",
    )
    p.set_defaults(func=cmd_check)
    p = group.add_parser(
        "accounts", parents=[common], help="every account with its balance and limits"
    )
    p.set_defaults(func=cmd_accounts)
    p = group.add_parser(
        "adjust", parents=[common], help="credit (or --debit) an account against system:adjustments"
    )
    p.add_argument("account", help="alice, member:alice or system:NAME")
    p.add_argument("amount", help="a decimal amount, like 12.50")
    p.add_argument("--reason", required=True)
    p.add_argument("--debit", action="store_true", help="lower the balance instead of raising it")
    p.add_argument("--corrects", help="id of the transfer this adjustment corrects")
    p.add_argument("--id", help="transfer id, to retry safely (default: a new one)")
    p.set_defaults(func=cmd_adjust)
    p = group.add_parser(
        "set-limit", parents=[common], help="change an account's credit limit or maximum balance"
    )
    p.add_argument("account")
    p.add_argument("--credit-limit", help="amount, or 'none' for no limit")
    p.add_argument("--max-balance", help="amount, or 'none' for no ceiling")
    p.add_argument("--reason", required=True)
    p.set_defaults(func=cmd_set_limit)
    p = group.add_parser("export", parents=[common], help="an account's statement as CSV on stdout")
    p.add_argument("account")
    p.add_argument("--from", dest="start", help="first day included, YYYY-MM-DD")
    p.add_argument("--to", dest="end", help="last day included, YYYY-MM-DD")
    p.set_defaults(func=cmd_export)
