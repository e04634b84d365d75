"""`comptoir users ...`: members and their API tokens from the command line."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Any

from api.auth import issue_token, revoke_tokens, tokens_of
from exchange import members
from exchange import organisations as organisation_rules
from instance.city import City
from instance.settings import load_settings
from models import MemberStatus, OrganisationRequestState, Role
from server.cli_common import Command, ensure_schema, fail, in_db, with_city
from services import moderation, organisations

FORCE_HELP = "act on a moderator's or an admin's account (never removes the last active admin)"


def _read_password() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("password: ")
    return sys.stdin.readline().rstrip("\r\n")


def cmd_create(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    ensure_schema(settings)
    members.check_username(args.name)
    credentials = members.prepare_credentials(_read_password())
    member = in_db(
        settings,
        lambda s: members.add_member(
            s, args.name, credentials, role=Role(args.role), email=args.email
        ),
    )
    print(f"created {member.role.value} @{member.username}@{settings.domain}")
    return 0


def is_remote(name: str) -> bool:
    """`bob@other.example`, `@bob@other.example` or an actor URL: a remote account."""
    return name.startswith(("http://", "https://")) or "@" in name.lstrip("@")


def cmd_suspend_remote(args: argparse.Namespace) -> int:
    done = in_db(args, lambda s: moderation.suspend_remote(s, args.name, None, args.reason))
    print(done)
    return 0


def cmd_unsuspend_remote(args: argparse.Namespace) -> int:
    handle = in_db(
        args, lambda s: moderation.unsuspend_remote(s, args.name, None, args.reason).handle
    )
    print(f"unsuspended {handle}: it is heard and shown again")
    return 0


def _moderate(action: Callable[..., object], verb: str, remote: Command | None = None) -> Command:
    def run(args: argparse.Namespace) -> int:
        if remote is not None and is_remote(args.name):
            return remote(args)
        extra = [args.reason] if hasattr(args, "reason") else []
        in_db(args, lambda s: action(s, args.name, None, *extra, force=args.force))
        print(f"{verb} @{args.name.lower()}")
        return 0

    return run


def cmd_role(args: argparse.Namespace) -> int:
    role = Role(args.role)
    in_db(args, lambda s: members.set_role(s, args.name, role, None, args.reason, force=args.force))
    print(f"@{args.name.lower()} is now a {role.value}")
    return 0


def cmd_password(args: argparse.Namespace) -> int:
    credentials = members.prepare_credentials(_read_password())
    in_db(args, lambda s: members.set_password(s, args.name, credentials.password_hash))
    print(f"new password set for @{args.name.lower()}; their web sessions are ended")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    status = MemberStatus(args.status) if args.status else None
    everyone = in_db(args, lambda s: members.list_members(s, status), write=False)
    print(f"{'username':<30} {'role':<10} {'status':<10} created")
    for m in everyone:
        print(f"{m.username:<30} {m.role.value:<10} {m.status.value:<10} {m.created_at:%Y-%m-%d}")
    return 0


def cmd_invite(args: argparse.Namespace) -> int:
    invitation = in_db(args, lambda s: members.create_invitation(s, None, valid_days=args.days))
    print(invitation.code)
    return 0


def cmd_token(args: argparse.Namespace) -> int:

    token = in_db(args, lambda s: issue_token(s, args.name, args.label))
    print(token)
    print(
        f"a personal API token for @{args.name.lower()}: it is shown only this once",
        file=sys.stderr,
    )
    return 0


def cmd_tokens(args: argparse.Namespace) -> int:

    rows = in_db(
        args,
        lambda s: [(t.id, t.label, t.created_at, t.revoked_at) for t in tokens_of(s, args.name)],
        write=False,
    )
    for token_id, label, created, revoked in rows:
        state = f"revoked {revoked:%Y-%m-%d %H:%M}" if revoked else "live"
        print(f"{token_id}\t{created:%Y-%m-%d %H:%M}\t{state}\t{label}")
    return 0


def cmd_revoke_token(args: argparse.Namespace) -> int:

    if (args.id is None) == (not args.all):
        return fail("name one token with --id N, or every token with --all", 2)
    count = in_db(args, lambda s: revoke_tokens(s, args.name, args.id))
    print(f"revoked {count} token{'s' if count != 1 else ''} of @{args.name.lower()}")
    return 0


def cmd_organisation(args: argparse.Namespace) -> int:
    """Recognise an account (its open request approved, if it sent one) or, with --undo, make
    it a person's again; the actor's Update goes to its followers either way."""

    async def work(city: City) -> str:
        def write(session: Any) -> str:
            if args.undo:
                member = organisations.revoke(session, city, args.name, None, args.reason)
            else:
                member = organisations.recognise(session, city, args.name, None)
            return member.username

        return await city.db.write(write)

    name = with_city(args, work)
    kind = "a person" if args.undo else "an organisation (AS2 Organization)"
    print(f"@{name} is {kind}")
    return 0


def cmd_organisation_requests(args: argparse.Namespace) -> int:
    """The organisation requests (waiting ones unless --all), oldest first."""
    state = None if args.all else OrganisationRequestState.requested

    def read(session: Any) -> list[str]:
        return [
            f"{row.public_id}\t@{member.username}\t{row.state.value}\t{row.kind.value}\t"
            f"{row.created_at:%Y-%m-%d}\t{row.website or '-'}\t"
            + " ".join(row.presentation.split())[:80]
            for row, member in organisation_rules.listed(session, state)
        ]

    for line in in_db(args, read, write=False):
        print(line)
    return 0


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    users = sub.add_parser("users", help="members").add_subparsers(
        dest="users_command", required=True, metavar="ACTION"
    )
    p = users.add_parser(
        "create", parents=[common], help="create a member; the password is read from stdin"
    )
    p.add_argument("name")
    p.add_argument("--role", choices=[r.value for r in Role], default="member")
    p.add_argument("--email")
    p.set_defaults(func=cmd_create)
    p = users.add_parser("approve", parents=[common], help="approve a pending registration")
    p.add_argument("name")
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.set_defaults(func=_moderate(members.approve, "approved"))
    p = users.add_parser("decline", parents=[common], help="decline a pending registration")
    p.add_argument("name")
    p.add_argument("--reason", default="")
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.set_defaults(func=_moderate(members.decline, "declined"))
    p = users.add_parser(
        "suspend",
        parents=[common],
        help="suspend a member, or a remote account (name@host or its URL: nothing is deleted)",
    )
    p.add_argument("name")
    p.add_argument("--reason", default="")
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.set_defaults(func=_moderate(members.suspend, "suspended", cmd_suspend_remote))
    p = users.add_parser(
        "unsuspend", parents=[common], help="lift a suspension (a member's or a remote account's)"
    )
    p.add_argument("name")
    p.add_argument("--reason", default="")
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.set_defaults(func=_moderate(members.unsuspend, "unsuspended", cmd_unsuspend_remote))
    p = users.add_parser(
        "organisation", parents=[common], help="recognise an account as an organisation"
    )
    p.add_argument("name")
    p.add_argument("--undo", action="store_true", help="make it a person's account again")
    p.add_argument("--reason", default="", help="with --undo: why (the member reads it)")
    p.set_defaults(func=cmd_organisation)
    p = users.add_parser(
        "organisation-requests",
        parents=[common],
        help="list members' requests to be recognised as organisations",
    )
    p.add_argument("--all", action="store_true", help="answered and withdrawn ones too")
    p.set_defaults(func=cmd_organisation_requests)
    p = users.add_parser("role", parents=[common], help="give a member another role")
    p.add_argument("name")
    p.add_argument("role", choices=[r.value for r in Role])
    p.add_argument("--reason", default="")
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.set_defaults(func=cmd_role)
    p = users.add_parser(
        "password",
        parents=[common],
        help="set a member's password (from stdin) and end their web sessions",
    )
    p.add_argument("name")
    p.set_defaults(func=cmd_password)
    p = users.add_parser("list", parents=[common], help="list members")
    p.add_argument("--status", choices=[s.value for s in MemberStatus])
    p.set_defaults(func=cmd_list)
    p = users.add_parser("invite", parents=[common], help="print a new invitation code")
    p.add_argument("--days", type=int, default=14, help="days the code stays valid (default 14)")
    p.set_defaults(func=cmd_invite)
    p = users.add_parser(
        "token", parents=[common], help="print a new personal API token for a member (shown once)"
    )
    p.add_argument("name")
    p.add_argument("--label", default="", help="what the token is for")
    p.set_defaults(func=cmd_token)
    p = users.add_parser(
        "tokens", parents=[common], help="list a member's API tokens (id, created, state, label)"
    )
    p.add_argument("name")
    p.set_defaults(func=cmd_tokens)
    p = users.add_parser(
        "revoke-token", parents=[common], help="revoke a member's API token, or all of them"
    )
    p.add_argument("name")
    p.add_argument("--id", type=int, help="the token's id, from `users tokens`")
    p.add_argument("--all", action="store_true", help="every live token of the member")
    p.set_defaults(func=cmd_revoke_token)
