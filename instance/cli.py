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
from collections.abc import Callable, Sequence
from pathlib import Path

from exchange import members
from exchange.errors import DomainError
from models import MemberStatus, Role

from .settings import ConfigError, Settings, load_settings, split_authority


def _fail(message: str, code: int) -> int:
    print(f"comptoir: {message}", file=sys.stderr)
    return code


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(args.config)


def _database(settings: Settings):  # type: ignore[no-untyped-def]
    from .database import Database

    return Database(settings.database_url, threads=2)


# ------------------------------------------------------------------ init / db


def cmd_init(args: argparse.Namespace) -> int:
    from .init import init_instance

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
    from . import migrate

    settings = _settings(args)
    migrate.upgrade(settings.database_url)
    print("database is up to date")
    return 0


def _ensure_schema(settings: Settings) -> None:
    """Embedded SQLite upgrades itself; a shared PostgreSQL is upgraded on purpose, by an admin."""
    from . import migrate

    if settings.is_sqlite:
        migrate.upgrade(settings.database_url)
        return
    database = _database(settings)
    try:
        behind = migrate.pending_revisions(database)
    finally:
        database.dispose()
    if behind:
        raise ConfigError("database.url", "the database schema is not up to date; run `comptoir db upgrade` first")


# ------------------------------------------------------------------ serve / worker


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app
    from .requestlog import configure_logging

    settings = _settings(args)
    configure_logging(args.log_level)
    _ensure_schema(settings)
    port = args.port or split_authority(settings.domain)[1] or 8000
    app = create_app(settings)
    print(f"Comptoir: {settings.name} at {settings.base_url}/ (listening on {args.host}:{port})", flush=True)
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
    from .app import build_city
    from .requestlog import configure_logging

    settings = _settings(args)
    configure_logging(args.log_level)
    _ensure_schema(settings)
    city = build_city(settings, with_worker=True)
    assert city.worker is not None
    worker = city.worker

    async def main() -> None:
        from .app import start

        await start(city)
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


# ------------------------------------------------------------------ users


def _read_password() -> str:
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("password: ")
    return sys.stdin.readline().rstrip("\r\n")


def cmd_users_create(args: argparse.Namespace) -> int:
    settings = _settings(args)
    _ensure_schema(settings)
    members.check_username(args.name)
    credentials = members.prepare_credentials(_read_password())
    database = _database(settings)
    try:
        member = database.write_sync(
            lambda s: members.add_member(s, args.name, credentials, role=Role(args.role), email=args.email)
        )
    finally:
        database.dispose()
    print(f"created {member.role.value} @{member.username}@{settings.domain}")
    return 0


def _moderate(action: Callable[..., object], verb: str) -> Callable[[argparse.Namespace], int]:
    def command(args: argparse.Namespace) -> int:
        settings = _settings(args)
        database = _database(settings)
        try:
            database.write_sync(lambda s: action(s, args.name, None, *([args.reason] if hasattr(args, "reason") else [])))
        finally:
            database.dispose()
        print(f"{verb} @{args.name.lower()}")
        return 0

    return command


def cmd_users_list(args: argparse.Namespace) -> int:
    settings = _settings(args)
    database = _database(settings)
    try:
        status = MemberStatus(args.status) if args.status else None
        everyone = database.read_sync(lambda s: members.list_members(s, status))
    finally:
        database.dispose()
    print(f"{'username':<30} {'role':<10} {'status':<10} created")
    for m in everyone:
        print(f"{m.username:<30} {m.role.value:<10} {m.status.value:<10} {m.created_at:%Y-%m-%d}")
    return 0


def cmd_users_invite(args: argparse.Namespace) -> int:
    settings = _settings(args)
    database = _database(settings)
    try:
        invitation = database.write_sync(lambda s: members.create_invitation(s, None, valid_days=args.days))
    finally:
        database.dispose()
    print(invitation.code)
    return 0


def cmd_users_token(args: argparse.Namespace) -> int:
    from api.auth import issue_token

    settings = _settings(args)
    database = _database(settings)
    try:
        token = database.write_sync(lambda s: issue_token(s, args.name, args.label))
    finally:
        database.dispose()
    print(token)
    print(f"a personal API token for @{args.name.lower()}: it is shown only this once", file=sys.stderr)
    return 0


def cmd_users_tokens(args: argparse.Namespace) -> int:
    from api.auth import tokens_of

    database = _database(_settings(args))
    try:
        rows = database.read_sync(lambda s: [(t.id, t.label, t.created_at, t.revoked_at)
                                             for t in tokens_of(s, args.name)])
    finally:
        database.dispose()
    for token_id, label, created, revoked in rows:
        state = f"revoked {revoked:%Y-%m-%d %H:%M}" if revoked else "live"
        print(f"{token_id}\t{created:%Y-%m-%d %H:%M}\t{state}\t{label}")
    return 0


def cmd_users_revoke_token(args: argparse.Namespace) -> int:
    from api.auth import revoke_tokens

    if (args.id is None) == (not args.all):
        return _fail("name one token with --id N, or every token with --all", 2)
    database = _database(_settings(args))
    try:
        count = database.write_sync(lambda s: revoke_tokens(s, args.name, args.id))
    finally:
        database.dispose()
    print(f"revoked {count} token{'s' if count != 1 else ''} of @{args.name.lower()}")
    return 0


# ------------------------------------------------------------------ ledger


def _amount_or_none(text: str | None, settings: Settings) -> int | None:
    from exchange.amounts import parse_amount

    if text is None or text.lower() == "none":
        return None
    return parse_amount(text, settings.currency.scale, allow_zero=True)


def cmd_ledger_check(args: argparse.Namespace) -> int:
    from exchange.ledger import check_ledger

    settings = _settings(args)
    database = _database(settings)
    try:
        report = database.read_sync(check_ledger)
    finally:
        database.dispose()
    if not report.ok:
        extra = f" (and {len(report.violations) - 1} more)" if len(report.violations) > 1 else ""
        return _fail(f"ledger check failed: {report.violations[0]}{extra}", 1)
    sums, fmt = report.totals, settings.currency.format
    print(f"ledger ok: {sums.accounts} accounts, {report.transfers} transfers, {report.legs} legs; "
          f"balances sum to {fmt(sums.balance_sum)} {settings.currency.code}; "
          f"posted {fmt(sums.debits_posted)}, pending {fmt(sums.debits_pending)}")
    return 0


def cmd_ledger_accounts(args: argparse.Namespace) -> int:
    from exchange.ledger import accounts_page, totals

    settings = _settings(args)
    database = _database(settings)
    try:
        accounts, sums = database.read_sync(lambda s: (accounts_page(s, limit=10**9), totals(s)))
    finally:
        database.dispose()
    fmt = settings.currency.format
    print(f"{'account':<40} {'balance':>14} {'pending -':>12} {'pending +':>12} {'credit limit':>14} {'max':>14}")
    for a in accounts:
        limit = fmt(-a.min_balance) if a.min_balance is not None else "none"
        ceiling = fmt(a.max_balance) if a.max_balance is not None else "none"
        print(f"{a.key:<40} {fmt(a.balance):>14} {fmt(a.debits_pending):>12} {fmt(a.credits_pending):>12} "
              f"{limit:>14} {ceiling:>14}")
    print(f"{'sum of balances':<40} {fmt(sums.balance_sum):>14}")
    return 0


def cmd_ledger_adjust(args: argparse.Namespace) -> int:
    from exchange import ledger
    from exchange.amounts import parse_amount

    settings = _settings(args)
    currency = settings.currency
    amount = parse_amount(args.amount, currency.scale)
    public_id = ledger.check_client_id(args.id)
    database = _database(settings)

    def work(session):  # type: ignore[no-untyped-def]
        account = ledger.resolve_account(session, currency, args.account)
        corrected = ledger.find_transfer(session, args.corrects) if args.corrects else None
        posting = ledger.adjust(session, currency, account, amount, credit=not args.debit, reason=args.reason,
                                by=None, public_id=public_id, corrects=corrected)
        return account.key, account.balance, posting

    try:
        key, balance, posting = database.write_sync(work)
    finally:
        database.dispose()
    verb = "debited" if args.debit else "credited"
    state = "" if posting.created else " (already done with this id)"
    print(f"{verb} {key} {currency.format(amount)} {currency.code}: transfer {posting.transfer.public_id}{state}; "
          f"balance {currency.format(balance)}")
    return 0


def cmd_ledger_set_limit(args: argparse.Namespace) -> int:
    from exchange import ledger

    settings = _settings(args)
    currency = settings.currency
    if args.credit_limit is None and args.max_balance is None:
        return _fail("give --credit-limit, --max-balance or both", 2)
    credit_limit = _amount_or_none(args.credit_limit, settings)
    max_balance = _amount_or_none(args.max_balance, settings)
    database = _database(settings)

    def work(session):  # type: ignore[no-untyped-def]
        account = ledger.resolve_account(session, currency, args.account)
        floor = account.min_balance if args.credit_limit is None else (None if credit_limit is None else -credit_limit)
        ceiling = account.max_balance if args.max_balance is None else max_balance
        ledger.set_limits(session, currency, account, min_balance=floor, max_balance=ceiling, reason=args.reason, by=None)
        return account.key, floor, ceiling

    try:
        key, floor, ceiling = database.write_sync(work)
    finally:
        database.dispose()
    limit = currency.format(-floor) if floor is not None else "none"
    top = currency.format(ceiling) if ceiling is not None else "none"
    print(f"{key}: credit limit {limit}, maximum balance {top}")
    return 0


def cmd_ledger_export(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime, timedelta

    from exchange import ledger

    settings = _settings(args)
    currency = settings.currency
    try:
        start = datetime.fromisoformat(args.start).replace(tzinfo=UTC) if args.start else None
        end = datetime.fromisoformat(args.end).replace(tzinfo=UTC) + timedelta(days=1) if args.end else None
    except ValueError:
        return _fail("--from and --to are dates like 2026-11-30", 2)
    if start and end and start >= end:
        return _fail("--from is after --to", 2)
    database = _database(settings)

    def read(session):  # type: ignore[no-untyped-def]
        account = ledger.resolve_account(session, currency, args.account, create=False)
        entries = ledger.entries_between(session, account.id, start, end) if account.id else []
        return ledger.statement_csv(entries, currency)

    try:
        sys.stdout.write(database.read_sync(read))
    finally:
        database.dispose()
    return 0


# ------------------------------------------------------------------ parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="comptoir",
        description="Comptoir: a federated exchange site for one city. Every command reads --config.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default="instance.toml", help="path of instance.toml (default: ./instance.toml)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init", parents=[common], help="write a new instance.toml and data folder")
    p.add_argument("--domain", required=True, help="HOST[:PORT] the city is reached at")
    p.add_argument("--name", required=True, help="display name of the city exchange")
    p.add_argument("--currency", default="GRN", help="currency code, 3 to 8 capitals (default GRN)")
    p.add_argument("--data", help="data folder, relative to the config file (default: data)")
    p.add_argument("--database", help="database URL (default: SQLite file in the data folder)")
    p.add_argument("--allow-loopback-http", action="store_true", help="test only: talk http to loopback peers")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("serve", parents=[common], help="run the web server (and workers, unless disabled)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: the domain's port, else 8000)")
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", parents=[common], help="run background workers only (scale-out on PostgreSQL)")
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    p.set_defaults(func=cmd_worker)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True, metavar="ACTION")
    p = db.add_parser("upgrade", parents=[common], help="apply pending migrations")
    p.set_defaults(func=cmd_db_upgrade)

    users = sub.add_parser("users", help="members").add_subparsers(dest="users_command", required=True, metavar="ACTION")
    p = users.add_parser("create", parents=[common], help="create a member; the password is read from stdin")
    p.add_argument("name")
    p.add_argument("--role", choices=[r.value for r in Role], default="member")
    p.add_argument("--email")
    p.set_defaults(func=cmd_users_create)
    p = users.add_parser("approve", parents=[common], help="approve a pending registration")
    p.add_argument("name")
    p.set_defaults(func=_moderate(members.approve, "approved"))
    p = users.add_parser("suspend", parents=[common], help="suspend a member")
    p.add_argument("name")
    p.add_argument("--reason", default="")
    p.set_defaults(func=_moderate(members.suspend, "suspended"))
    p = users.add_parser("unsuspend", parents=[common], help="lift a suspension")
    p.add_argument("name")
    p.add_argument("--reason", default="")
    p.set_defaults(func=_moderate(members.unsuspend, "unsuspended"))
    p = users.add_parser("list", parents=[common], help="list members")
    p.add_argument("--status", choices=[s.value for s in MemberStatus])
    p.set_defaults(func=cmd_users_list)
    p = users.add_parser("invite", parents=[common], help="print a new invitation code")
    p.add_argument("--days", type=int, default=14, help="days the code stays valid (default 14)")
    p.set_defaults(func=cmd_users_invite)
    p = users.add_parser("token", parents=[common], help="print a new personal API token for a member (shown once)")
    p.add_argument("name")
    p.add_argument("--label", default="", help="what the token is for")
    p.set_defaults(func=cmd_users_token)
    p = users.add_parser("tokens", parents=[common], help="list a member's API tokens (id, created, state, label)")
    p.add_argument("name")
    p.set_defaults(func=cmd_users_tokens)
    p = users.add_parser("revoke-token", parents=[common], help="revoke a member's API token, or all of them")
    p.add_argument("name")
    p.add_argument("--id", type=int, help="the token's id, from `users tokens`")
    p.add_argument("--all", action="store_true", help="every live token of the member")
    p.set_defaults(func=cmd_users_revoke_token)

    ledger = sub.add_parser("ledger", help="the city currency").add_subparsers(
        dest="ledger_command", required=True, metavar="ACTION")
    p = ledger.add_parser("check", parents=[common], help="verify every ledger invariant; exit 1 naming the first broken")
    p.set_defaults(func=cmd_ledger_check)
    p = ledger.add_parser("accounts", parents=[common], help="every account with its balance and limits")
    p.set_defaults(func=cmd_ledger_accounts)
    p = ledger.add_parser("adjust", parents=[common], help="credit (or --debit) an account against system:adjustments")
    p.add_argument("account", help="alice, member:alice or system:NAME")
    p.add_argument("amount", help="a decimal amount, like 12.50")
    p.add_argument("--reason", required=True)
    p.add_argument("--debit", action="store_true", help="lower the balance instead of raising it")
    p.add_argument("--corrects", help="id of the transfer this adjustment corrects")
    p.add_argument("--id", help="transfer id, to retry safely (default: a new one)")
    p.set_defaults(func=cmd_ledger_adjust)
    p = ledger.add_parser("set-limit", parents=[common], help="change an account's credit limit or maximum balance")
    p.add_argument("account")
    p.add_argument("--credit-limit", help="amount, or 'none' for no limit")
    p.add_argument("--max-balance", help="amount, or 'none' for no ceiling")
    p.add_argument("--reason", required=True)
    p.set_defaults(func=cmd_ledger_set_limit)
    p = ledger.add_parser("export", parents=[common], help="an account's statement as CSV on stdout")
    p.add_argument("account")
    p.add_argument("--from", dest="start", help="first day included, YYYY-MM-DD")
    p.add_argument("--to", dest="end", help="last day included, YYYY-MM-DD")
    p.set_defaults(func=cmd_ledger_export)

    from . import cli_domains, cli_market, cli_reports

    cli_domains.add_parsers(sub, common)
    cli_reports.add_parsers(sub, common)
    cli_market.add_parsers(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        return _fail(f"config error: {exc}", 2)
    except DomainError as exc:
        return _fail(exc.message, 1)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
