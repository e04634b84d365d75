"""What every `comptoir` command shares: the error line, exit codes, a database or a city for
one run.

Exit codes: 0 done, 1 refused by the rules (the message says why), 2 bad usage, bad input or
bad configuration.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from exchange.errors import DomainError
from instance import migrate
from instance.database import Database
from instance.settings import ConfigError, Settings, load_settings
from server.app import build_city

if TYPE_CHECKING:
    from instance.database import Database

T = TypeVar("T")
Command = Callable[[argparse.Namespace], int]


def fail(message: str, code: int) -> int:
    print(f"comptoir: {message}", file=sys.stderr)
    return code


def command(fn: Command) -> Command:
    """Bad input (a DomainError with status 400) exits 2; other refusals propagate (exit 1)."""

    @functools.wraps(fn)
    def run(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except DomainError as exc:
            if exc.status == 400:
                return fail(exc.message, 2)
            raise

    return run


def open_database(settings: Settings) -> Database:

    return Database(settings.database_url, threads=2)


def in_db(
    where: argparse.Namespace | Settings, work: Callable[[Any], T], *, write: bool = True
) -> T:
    """Run `work` in one transaction of the city's database, then close it.

    `where` is the parsed arguments (their --config is read) or settings already loaded."""
    settings = where if isinstance(where, Settings) else load_settings(where.config)
    db = open_database(settings)
    try:
        return db.write_sync(work) if write else db.read_sync(work)
    finally:
        db.dispose()


def with_city(args: argparse.Namespace, work: Callable[[Any], Awaitable[T]]) -> T:
    """Run async work against a City (HTTP client, policy) built for this command."""

    city = build_city(load_settings(args.config), with_worker=False)

    async def main() -> T:
        try:
            return await work(city)
        finally:
            await city.fediverse.aclose()

    try:
        return asyncio.run(main())
    finally:
        city.db.dispose()


def ensure_schema(settings: Settings) -> None:
    """Embedded SQLite upgrades itself; a shared PostgreSQL is upgraded on purpose, by an admin."""

    if settings.is_sqlite:
        migrate.upgrade(settings.database_url)
        return
    database = open_database(settings)
    try:
        behind = migrate.pending_revisions(database)
    finally:
        database.dispose()
    if behind:
        raise ConfigError(
            "database.url", "the database schema is not up to date; run `comptoir db upgrade` first"
        )
