"""`comptoir projects ...`: staff list, show, approve and cancel local projects, and pay a
funded project's money out (`payout SLUG MEMBER AMOUNT --memo`).

`approve` opens a draft (the deadline job is queued and the market Announces it, delivered by
the running server's worker); `cancel` ends a draft or open project, and the worker then voids
its pledges. Exit codes as everywhere: 1 for what the rules refuse.
"""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy.orm import Session

from exchange import ledger, project_payouts, projects
from exchange.project_payouts import parse_payout_amount
from instance.city import City
from instance.settings import load_settings
from models import Member, Project
from server.cli_common import command, in_db, with_city
from services import project_payouts as payouts
from services import projects as cases


def _line(project: Project, pledged: int, fmt: Any) -> str:
    return (
        f"{project.slug:<30} {project.state.value:<9} {fmt(pledged):>12} / "
        f"{fmt(project.goal):<12} {project.currency} until {project.deadline:%Y-%m-%d %H:%M}"
    )


def cmd_list(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    fmt = settings.currency.format

    def read(session: Session) -> list[str]:
        rows = projects.listing(session, states=tuple(projects.GRAPH.states), limit=10**6)
        return [_line(p, projects.pledged_total(session, p), fmt) for p in rows]

    lines = in_db(settings, read, write=False)
    print("\n".join(lines) if lines else "no projects")
    return 0


@command
def cmd_show(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    fmt = settings.currency.format

    def read(session: Session) -> list[str]:
        project = projects.by_slug(session, args.slug)
        owner = session.get(Member, project.owner_id)
        lines = [
            _line(project, projects.pledged_total(session, project), fmt),
            f"  {project.title}",
            f"  owner @{owner.username if owner else '?'}, {project.uri}",
        ]
        for pledge in projects.pledges_of(session, project):
            member = session.get(Member, pledge.member_id)
            name = member.username if member else "?"
            lines.append(
                f"  pledge {pledge.public_id} @{name} {fmt(pledge.amount)} {pledge.state.value}"
            )
        for payout in project_payouts.payouts_of(session, project):
            lines.append(f"  {payout.transfer} @{payout.payee} {fmt(payout.amount)} {payout.memo}")
        return lines

    print("\n".join(in_db(settings, read, write=False)))
    return 0


def _staff_action(verb: str) -> Any:
    @command
    def run(args: argparse.Namespace) -> int:
        async def work(city: City) -> Project:
            action = cases.approve if verb == "approve" else cases.cancel
            return await city.db.write(lambda s: action(s, city, args.slug, None))

        project = with_city(args, work)
        print(f"{project.slug}: {project.state.value}")
        return 0

    return run


@command
def cmd_payout(args: argparse.Namespace) -> int:
    """Pay a funded project's money to a member, as staff (exchange/project_payouts.py)."""

    async def work(city: City) -> tuple[str, str]:
        scale = city.settings.currency.scale
        amount = parse_payout_amount(args.amount, scale)

        def write(session: Session) -> tuple[str, str]:
            posting = payouts.pay_out(
                session,
                city,
                args.slug,
                None,
                args.member,
                amount,
                memo=args.memo,
                public_id=ledger.check_client_id(args.id),
            )
            left = project_payouts.available(session, projects.by_slug(session, args.slug))
            return posting.transfer.public_id, city.settings.currency.format(left)

        return await city.db.write(write)

    transfer, left = with_city(args, work)
    print(f"{transfer}: paid {args.amount} to @{args.member.removeprefix('@')}; {left} left")
    return 0


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    group = sub.add_parser("projects", help="local projects funded by pledges").add_subparsers(
        dest="projects_command", required=True, metavar="ACTION"
    )
    p = group.add_parser("list", parents=[common], help="every project, its state and progress")
    p.set_defaults(func=cmd_list)
    p = group.add_parser("show", parents=[common], help="a project and its pledges")
    p.add_argument("slug")
    p.set_defaults(func=cmd_show)
    p = group.add_parser("approve", parents=[common], help="open a proposed project for pledges")
    p.add_argument("slug")
    p.set_defaults(func=_staff_action("approve"))
    p = group.add_parser("cancel", parents=[common], help="cancel a project; pledges are voided")
    p.add_argument("slug")
    p.set_defaults(func=_staff_action("cancel"))
    p = group.add_parser(
        "payout", parents=[common], help="pay a funded project's money to a member"
    )
    p.add_argument("slug")
    p.add_argument("member", help="the member paid (a username)")
    p.add_argument("amount", help="a decimal amount in the city currency, e.g. 12.50")
    p.add_argument("--memo", default="", help="why (the project is named in the memo anyway)")
    p.add_argument("--id", default=None, help="your id for this payout: a retry pays once")
    p.set_defaults(func=cmd_payout)
