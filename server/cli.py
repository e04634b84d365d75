"""The `comptoir` command: set up, run and administer one city instance.

Every command is non-interactive (scripts and tests drive it) and takes --config.
Exit codes: 0 done, 1 refused by the rules (the message says why), 2 bad usage or
configuration.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from exchange.errors import DomainError
from federation.authority import split_authority
from instance import migrate
from instance.city import City
from instance.init import init_instance
from instance.media_store import MediaStoreError
from instance.requestlog import configure_logging
from instance.settings import ConfigError, load_settings
from server import (
    cli_announcements,
    cli_backup,
    cli_demo,
    cli_discussions,
    cli_domains,
    cli_federation,
    cli_ledger,
    cli_mail,
    cli_market,
    cli_media,
    cli_partners,
    cli_polls,
    cli_projects,
    cli_reports,
    cli_settlements,
    cli_trends,
    cli_users,
)
from server.app import build_city, create_app, start
from server.cli_common import ensure_schema, fail

# ------------------------------------------------------------------ init / db


def cmd_init(args: argparse.Namespace) -> int:

    path = init_instance(
        Path(args.config),
        domain=args.domain,
        name=args.name,
        currency=args.currency,
        data=args.data,
        database=args.database,
        allow_loopback_http=args.allow_loopback_http,
    )
    print(f"wrote {path}")
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:

    settings = load_settings(args.config)
    migrate.upgrade(settings.database_url)
    print("database is up to date")
    return 0


# ------------------------------------------------------------------ serve / worker


def _media_unreachable(city: City) -> int | None:
    """A media store that does not answer is a configuration error: say so before serving."""
    try:
        city.media.check()
    except MediaStoreError as exc:
        return fail(f"config error: media: {exc}", 2)
    return None


def cmd_serve(args: argparse.Namespace) -> int:

    settings = load_settings(args.config)
    configure_logging(args.log_level)
    ensure_schema(settings)
    port = args.port or split_authority(settings.domain)[1] or 8000
    app = create_app(settings, warm=True)
    if (refused := _media_unreachable(app.state.city)) is not None:
        return refused
    print(
        f"Comptoir: {settings.name} at {settings.base_url}/ (listening on {args.host}:{port})",
        flush=True,
    )
    uvicorn.run(
        app,
        host=args.host,
        port=port,
        access_log=False,
        log_level=args.log_level.lower(),
        proxy_headers=True,
        server_header=False,
        timeout_graceful_shutdown=10,
    )
    return 0


def cmd_worker(args: argparse.Namespace) -> int:

    settings = load_settings(args.config)
    configure_logging(args.log_level)
    ensure_schema(settings)
    city = build_city(settings, with_worker=True)
    assert city.worker is not None
    if (refused := _media_unreachable(city)) is not None:
        city.db.dispose()
        return refused
    worker = city.worker

    async def main() -> None:

        await start(city)
        await asyncio.to_thread(city.fediverse.warm)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await worker.run(stop)
        await city.fediverse.aclose()

    try:
        asyncio.run(main())
    finally:
        city.db.dispose()
    return 0


# ------------------------------------------------------------------ parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="comptoir",
        description=(
            "Comptoir: a federated exchange site for one city. Every command reads --config."
        ),
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", default="instance.toml", help="path of instance.toml (default: ./instance.toml)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init", parents=[common], help="write a new instance.toml and data folder")
    p.add_argument("--domain", required=True, help="HOST[:PORT] the city is reached at")
    p.add_argument("--name", required=True, help="display name of the city exchange")
    p.add_argument("--currency", default="GRN", help="currency code, 3 to 8 capitals (default GRN)")
    p.add_argument("--data", help="data folder, relative to the config file (default: data)")
    p.add_argument("--database", help="database URL (default: SQLite file in the data folder)")
    p.add_argument(
        "--allow-loopback-http", action="store_true", help="test only: talk http to loopback peers"
    )
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "serve", parents=[common], help="run the web server (and workers, unless disabled)"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: the domain's port, else 8000)")
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "worker", parents=[common], help="run background workers only (scale-out on PostgreSQL)"
    )
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    p.set_defaults(func=cmd_worker)

    db = sub.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True, metavar="ACTION"
    )
    p = db.add_parser("upgrade", parents=[common], help="apply pending migrations")
    p.set_defaults(func=cmd_db_upgrade)

    cli_users.add_parsers(sub, common)
    cli_ledger.add_parsers(sub, common)
    cli_domains.add_parsers(sub, common)
    cli_reports.add_parsers(sub, common)
    cli_settlements.add_parsers(sub, common)
    cli_market.add_parsers(sub, common)
    cli_media.add_parsers(sub, common)
    cli_mail.add_parsers(sub, common)
    cli_federation.add_parsers(sub, common)
    cli_partners.add_parsers(sub, common)
    cli_projects.add_parsers(sub, common)
    cli_backup.add_parsers(sub, common)
    cli_polls.add_parsers(cli_discussions.add_parsers(sub, common), common)
    cli_announcements.add_parsers(sub, common)
    cli_trends.add_parsers(sub, common)
    cli_demo.add_parsers(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        return fail(f"config error: {exc}", 2)
    except DomainError as exc:
        return fail(exc.message, 1)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
