"""`comptoir partners ...`: partner cities and the exchange rules both cities agree.

`propose DOMAIN --rate N/D ...` fetches the partner's instance actor, stores the proposal and
queues its Offer (delivered by the running server's worker); `accept`, `reject`, `suspend`
and `resume` answer or change the version with a partner and queue the activity telling it.
Exit codes as everywhere: 2 for bad input (unknown currency, a partner that cannot be found,
an expiry already past, a bad rate, min above max), 1 for what the rules refuse.
"""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy.orm import Session

from exchange import partner_views, partners
from instance.settings import load_settings
from instance.urls import Urls
from server.cli_common import command, in_db, with_city
from services import partners as cases


def _line(view: dict[str, Any]) -> str:
    rule = view["rule"]
    position = view["position"]
    agreed = (
        f"v{rule['version']} {rule['status']:<9} 1 {rule['proposer_currency']} = "
        f"{rule['rate']} {rule['responder_currency']}"
        if rule
        else "no rule agreed"
    )
    waiting = f"  ({len(view['waiting'])} proposal(s) waiting)" if view["waiting"] else ""
    return (
        f"{view['domain']:<28} {view['currency']:<6} {agreed:<40} "
        f"position {position['balance']} {position['status']}{waiting}"
    )


def _rule_lines(rule: dict[str, Any]) -> list[str]:
    by = "us" if rule["proposed_by_us"] else "them"
    until = rule["valid_until"] or "until replaced"
    lines = [
        f"  v{rule['version']} {rule['status']:<9} proposed by {by}: 1 {rule['proposer_currency']}"
        f" = {rule['rate']} {rule['responder_currency']}, fee {rule['fee_bps']} bps",
        f"     per settlement {rule['min_amount']}..{rule['max_amount']}, import cap "
        f"{rule['import_cap']}, export cap {rule['export_cap']} {rule['proposer_currency']}",
        f"     valid {rule['valid_from']} .. {until}",
        f"     id {rule['id']}",
        f"     hash {rule['hash']}",
    ]
    if rule["reason"]:
        lines.append(f"     reason: {rule['reason']}")
    return lines


def cmd_list(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    us = Urls(settings.base_url).instance_actor

    def read(session: Session) -> list[dict[str, Any]]:
        return [
            partner_views.partnership_view(
                session, p, us, settings.currency.scale, all_versions=False
            )
            for p in partners.partnerships(session)
        ]

    views = in_db(settings, read, write=False)
    if not views:
        print("no partner cities")
    for view in views:
        print(_line(view))
    return 0


@command
def cmd_show(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    us = Urls(settings.base_url).instance_actor

    def read(session: Session) -> dict[str, Any]:
        partnership = cases.find_partner(session, args.domain)
        return partner_views.partnership_view(
            session, partnership, us, settings.currency.scale, all_versions=True
        )

    view = in_db(settings, read, write=False)
    print(_line(view))
    position = view["position"]
    print(
        f"  peer account: balance {position['balance']}, pending debits "
        f"{position['pending_debits']}, credits {position['pending_credits']}, limits "
        f"{position['min_balance']} .. {position['max_balance']} {settings.currency.code}"
    )
    for rule in view["versions"]:
        print("\n".join(_rule_lines(rule)))
    return 0


@command
def cmd_propose(args: argparse.Namespace) -> int:
    async def work(city: Any) -> dict[str, Any]:
        ask = partners.parse_ask(
            city.settings.currency,
            rate=args.rate,
            min_amount=args.min,
            max_amount=args.max,
            import_cap=args.import_cap,
            export_cap=args.export_cap,
            until=args.until,
            fee_bps=args.fee_bps,
        )
        partner = await cases.reach(city, args.domain)
        rule = await city.db.write(
            lambda s: cases.propose(s, city, partner, ask, expected_currency=args.currency)
        )
        return partner_views.rule_view(rule, city.urls.instance_actor)

    rule = with_city(args, work)
    print(f"proposed to {args.domain}:")
    print("\n".join(_rule_lines(rule)))
    return 0


def _answer(kind: str) -> Any:
    @command
    def run(args: argparse.Namespace) -> int:
        async def work(city: Any) -> dict[str, Any]:
            def write(session: Session) -> dict[str, Any]:
                cases.find_partner(session, args.domain)
                version = getattr(args, "version", None)
                reason = getattr(args, "reason", "") or ""
                if kind == "accept":
                    rule = cases.accept(session, city, args.domain, version=version, by=None)
                elif kind == "reject":
                    rule = cases.reject(
                        session, city, args.domain, reason, version=version, by=None
                    )
                elif kind == "suspend":
                    rule = cases.suspend(session, city, args.domain, reason, by=None)
                else:
                    rule = cases.resume(session, city, args.domain, by=None)
                return partner_views.rule_view(rule, city.urls.instance_actor)

            result: dict[str, Any] = await city.db.write(write)
            return result

        rule = with_city(args, work)
        print(f"{args.domain}: version {rule['version']} is {rule['status']}")
        return 0

    return run


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    group = sub.add_parser(
        "partners", help="partner cities and the exchange rules both cities agree"
    ).add_subparsers(dest="partners_command", required=True, metavar="ACTION")
    p = group.add_parser("list", parents=[common], help="partners, rule in force, position")
    p.set_defaults(func=cmd_list)
    p = group.add_parser("show", parents=[common], help="a partner with every rule version")
    p.add_argument("domain")
    p.set_defaults(func=cmd_show)
    p = group.add_parser(
        "propose",
        parents=[common],
        help="propose a rule (or a new version) to a city: one unit of ours buys N/D of theirs",
    )
    p.add_argument("domain", help="the partner city's domain")
    p.add_argument("--rate", required=True, help="N/D: one unit of our currency buys N/D of theirs")
    p.add_argument("--min", required=True, help="minimum per settlement, in our currency")
    p.add_argument("--max", required=True, help="maximum per settlement, in our currency")
    p.add_argument("--import-cap", required=True, help="cap on what our residents may owe")
    p.add_argument("--export-cap", required=True, help="cap on what theirs may owe")
    p.add_argument("--until", help="last day of validity, YYYY-MM-DD (default: until replaced)")
    p.add_argument("--fee-bps", type=int, default=0, help="fee in basis points of the payment")
    p.add_argument("--currency", help="the partner's currency code, as you expect it (checked)")
    p.set_defaults(func=cmd_propose)
    for kind, text in (
        ("accept", "accept the partner's proposal"),
        ("reject", "reject the partner's proposal"),
    ):
        p = group.add_parser(kind, parents=[common], help=text)
        p.add_argument("domain")
        p.add_argument("--version", type=int, help="which proposal (default: the latest)")
        if kind == "reject":
            p.add_argument("--reason", default="")
        p.set_defaults(func=_answer(kind))
    p = group.add_parser("suspend", parents=[common], help="suspend the rule in force at once")
    p.add_argument("domain")
    p.add_argument("--reason", default="")
    p.set_defaults(func=_answer("suspend"))
    p = group.add_parser("resume", parents=[common], help="resume a rule we suspended")
    p.add_argument("domain")
    p.set_defaults(func=_answer("resume"))
