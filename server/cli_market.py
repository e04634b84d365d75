"""`comptoir categories ...`: the city's listing categories from the command line.

Categories are the per-city list listings are filed under (each slug is also a hashtag).
Exchange rules are agreed with partner cities through `comptoir partners` (server/cli_partners.py).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from exchange import categories
from exchange.errors import DomainError
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
