"""`comptoir categories ...` and `comptoir rates ...`: the admin's market settings from the
command line.

Categories are the per-city list listings are filed under (each slug is also a hashtag).
Exchange rules are set locally here until the settlement issue brings their bilateral
agreement between instance actors; `rates set` retires the pair's previous rule.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Any

from exchange import categories, rates
from exchange.errors import DomainError
from federation.authority import split_authority
from instance.settings import is_loopback_host, load_settings, parse_fraction
from server.cli_common import in_db


def cmd_categories_list(args: argparse.Namespace) -> int:
    rows = in_db(
        args, lambda s: categories.list_categories(s, include_retired=args.all), write=False
    )
    for c in rows:
        print(f"{c.slug:<24} {c.name}{'  (retired)' if c.retired_at else ''}")
    return 0


def cmd_categories_add(args: argparse.Namespace) -> int:
    category = in_db(args, lambda s: categories.add_category(s, args.slug, args.name))
    print(f"added #{category.slug} ({category.name})")
    return 0


def cmd_categories_rename(args: argparse.Namespace) -> int:
    category = in_db(args, lambda s: categories.rename_category(s, args.slug, args.name))
    print(f"#{category.slug} is now called {category.name}")
    return 0


def cmd_categories_retire(args: argparse.Namespace) -> int:
    category = in_db(args, lambda s: categories.retire_category(s, args.slug))
    print(f"retired #{category.slug}: new listings cannot use it")
    return 0


def _partner(text: str, loopback_http: bool) -> str:
    """An instance actor URL, or a domain whose instance actor is {scheme}://{domain}/actor."""
    if text.startswith(("https://", "http://")):
        return text
    host = split_authority(text)[0]
    scheme = "http" if loopback_http and is_loopback_host(host) else "https"
    return f"{scheme}://{text.strip().lower()}/actor"


def cmd_rates_set(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    try:
        rate = parse_fraction(args.rate)
    except ValueError as exc:
        raise DomainError("invalid_rate", f"rate {exc}", 400) from None
    try:
        until = (
            datetime.combine(datetime.fromisoformat(args.until).date(), time(0, 0), UTC)
            if args.until
            else None
        )
    except ValueError:
        raise DomainError(
            "invalid_date", f"--until must be a date like 2027-06-30 (got {args.until!r})", 400
        ) from None
    partner = _partner(args.partner, settings.federation.allow_loopback_http)
    ours, theirs = settings.currency.code, args.currency.strip().upper()
    rule = in_db(
        args,
        lambda s: rates.set_rule(
            s, ours, theirs, partner, rate.numerator, rate.denominator, valid_until=until
        ),
    )
    print(f"1 {ours} buys {rule.num}/{rule.den} {theirs} of {partner}")
    return 0


def cmd_rates_list(args: argparse.Namespace) -> int:
    for rule in in_db(args, lambda s: rates.list_rules(s, include_retired=args.all), write=False):
        until = f" until {rule.valid_until:%Y-%m-%d}" if rule.valid_until else ""
        print(
            f"{rule.payer_currency}->{rule.target_currency} {rule.num}/{rule.den} "
            f"{rule.status.value:<9} {rule.partner}{until}"
        )
    return 0


def _checked(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Bad input exits 2 with its message; other refusals go to the main CLI (exit 1)."""

    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except DomainError as exc:
            if exc.status != 400:
                raise
            print(f"comptoir: {exc.message}", file=sys.stderr)
            return 2

    return run


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    group = sub.add_parser("categories", help="the city's listing categories").add_subparsers(
        dest="categories_command", required=True, metavar="ACTION"
    )
    p = group.add_parser("list", parents=[common], help="list the categories")
    p.add_argument("--all", action="store_true", help="retired ones too")
    p.set_defaults(func=cmd_categories_list)
    p = group.add_parser(
        "add", parents=[common], help="add a category (its slug is also its hashtag)"
    )
    p.add_argument("slug")
    p.add_argument("name")
    p.set_defaults(func=_checked(cmd_categories_add))
    p = group.add_parser("rename", parents=[common], help="change a category's display name")
    p.add_argument("slug")
    p.add_argument("name")
    p.set_defaults(func=_checked(cmd_categories_rename))
    p = group.add_parser("retire", parents=[common], help="refuse a category for new listings")
    p.add_argument("slug")
    p.set_defaults(func=_checked(cmd_categories_retire))

    group = sub.add_parser(
        "rates", help="exchange rules with other cities' currencies"
    ).add_subparsers(dest="rates_command", required=True, metavar="ACTION")
    p = group.add_parser(
        "set",
        parents=[common],
        help="set the active rule: one unit of our currency buys RATE units of theirs",
    )
    p.add_argument("partner", help="the partner city's domain, or its instance actor URL")
    p.add_argument("currency", help="the partner's currency code")
    p.add_argument("rate", help="an integer fraction, like 3/2")
    p.add_argument("--until", help="last day of validity, YYYY-MM-DD (default: until replaced)")
    p.set_defaults(func=_checked(cmd_rates_set))
    p = group.add_parser("list", parents=[common], help="list the rules")
    p.add_argument("--all", action="store_true", help="retired ones too")
    p.set_defaults(func=cmd_rates_list)
