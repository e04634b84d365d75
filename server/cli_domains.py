"""`comptoir domains ...` and `comptoir rules ...`: federation policy from the command line.

The same functions as the admin API and web pages (exchange.domains, domain_lists,
subscriptions, admin_settings). A change reaches a running server within
`policy.CACHE_SECONDS`, without a restart. Exit codes: 0 done, 1 refused by the rules (an
unreachable list, a conflicting block), 2 bad input (a malformed domain, a broken list).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from exchange import domain_lists, domains
from exchange import instance_settings as admin_settings
from exchange.errors import DomainError
from instance.settings import FEDERATION_MODES, load_settings
from models import DomainRule, RuleKind, Severity
from server.cli_common import command, in_db, with_city
from services import subscriptions


def describe(rule: DomainRule) -> str:
    if rule.kind is RuleKind.allow:
        what = "allow"
    else:
        flags = [f for f in ("reject_media", "reject_reports") if getattr(rule, f)]
        what = " ".join([rule.severity.value, *flags])
    source = f"subscription {rule.subscription_id}" if rule.subscription_id else "by hand"
    extra = " obfuscated" if rule.obfuscate else ""
    comment = f"  {rule.public_comment}" if rule.public_comment else ""
    return f"{rule.domain:<40} {what:<28} {source:<16}{extra}{comment}"


# ------------------------------------------------------------------ commands


@command
def cmd_mode(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    if args.mode is None:
        current = in_db(args, lambda s: domains.mode(s, settings.federation.mode), write=False)
        print(current)
        return 0
    in_db(args, lambda s: domains.set_mode(s, args.mode, None, args.reason))
    print(f"federation mode: {args.mode}")
    return 0


@command
def cmd_list(args: argparse.Namespace) -> int:
    kind = RuleKind(args.kind) if args.kind else None
    for rule in in_db(args, lambda s: domains.list_rules(s, kind), write=False):
        print(f"{rule.kind.value:<6} {describe(rule)}")
    return 0


@command
def cmd_allow(args: argparse.Namespace) -> int:
    rule, created = in_db(
        args,
        lambda s: domains.allow(
            s,
            args.domain,
            None,
            public_comment=args.public_comment,
            private_comment=args.private_comment,
            obfuscate=args.obfuscate or None,
        ),
    )
    print(f"{'allowed' if created else 'updated'} {rule.domain}")
    return 0


@command
def cmd_disallow(args: argparse.Namespace) -> int:
    rule = in_db(args, lambda s: domains.disallow(s, args.domain, None, args.reason))
    print(f"removed the allow entry of {rule.domain}")
    return 0


@command
def cmd_block(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    spec = domains.BlockSpec(
        args.domain,
        Severity(args.severity),
        args.reject_media,
        args.reject_reports,
        args.public_comment or "",
        args.private_comment or "",
        args.obfuscate,
    )
    rule, created, purged = in_db(
        args,
        lambda s: domains.block(
            s, spec, None, settings.federation.mode, own_domain=settings.domain, replace=True
        ),
    )
    print(
        f"{'blocked' if created else 'updated the block of'} {rule.domain} ({rule.severity.value})"
    )
    if purged is not None:
        print(purged.summary())
    return 0


@command
def cmd_unblock(args: argparse.Namespace) -> int:
    rule = in_db(args, lambda s: domains.unblock(s, args.domain, None, args.reason))
    print(f"unblocked {rule.domain}")
    return 0


def _read(path: str) -> tuple[str, str]:
    if path == "-":
        return "-", sys.stdin.read()
    try:
        return path, Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DomainError("unreadable", f"cannot read {path}: {exc}", 400) from None


@command
def cmd_import(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    name, text = _read(args.file)
    fmt = args.format or domain_lists.guess_format(name, text)
    entries = domain_lists.parse(text, fmt)
    kind = RuleKind(args.kind)
    plan = in_db(
        args,
        lambda s: domain_lists.import_entries(
            s,
            entries,
            kind,
            None,
            settings.federation.mode,
            own_domain=settings.domain,
            dry_run=args.dry_run,
        ),
    )
    for label, names in (("add", plan.added), ("update", plan.updated)):
        for domain in names:
            print(f"{label} {kind.value} {domain}")
    for domain, what in plan.removed.items():
        print(f"suspend {domain}: {what}")
    print(("dry run, nothing written: " if args.dry_run else "") + plan.summary())
    return 0


@command
def cmd_export(args: argparse.Namespace) -> int:
    kind = RuleKind(args.kind)
    rules = in_db(args, lambda s: domains.list_rules(s, kind), write=False)
    sys.stdout.write(domain_lists.export(rules, args.format, kind))
    return 0


@command
def cmd_publish(args: argparse.Namespace) -> int:
    in_db(args, lambda s: subscriptions.publish_allowlist(s, args.state == "on", None))
    print("the allow-list is " + ("published" if args.state == "on" else "not published"))
    return 0


@command
def cmd_show(args: argparse.Namespace) -> int:
    in_db(args, lambda s: admin_settings.set_domains_visibility(s, args.audience, None))
    print(f"the domain list is shown to: {args.audience}")
    return 0


@command
def cmd_subscribe(args: argparse.Namespace) -> int:
    sub, changes = with_city(
        args,
        lambda city: subscriptions.subscribe(
            city,
            args.url,
            None,
            kind=RuleKind(args.kind),
            review=not args.apply,
            every_hours=args.every_hours,
        ),
    )
    print(f"subscription {sub.id} to {sub.url}: {changes.summary()}")
    return 0


@command
def cmd_subscriptions(args: argparse.Namespace) -> int:
    for sub in in_db(args, subscriptions.list_subscriptions, write=False):
        state = f"error: {sub.error}" if sub.error else f"{sub.count} entries"
        print(
            f"{sub.id:<4} {sub.kind.value:<6} {'review' if sub.review else 'apply':<7} "
            f"every {sub.every_hours} h  {sub.url}  ({state})"
        )
    return 0


@command
def cmd_refresh(args: argparse.Namespace) -> int:
    ids = (
        [args.id]
        if args.id is not None
        else [s.id for s in in_db(args, subscriptions.list_subscriptions, write=False)]
    )

    async def work(city: Any) -> int:
        failed = 0
        for sub_id in ids:
            try:
                changes = await subscriptions.refresh(city, sub_id)
            except DomainError as exc:
                failed += 1
                print(f"subscription {sub_id}: {exc.message}", file=sys.stderr)
                continue
            print(f"subscription {sub_id}: {changes.summary()}")
            for line in changes.added + [f"-{d}" for d in changes.removed] + changes.drafted:
                print(f"  {line}")
        return failed

    return 1 if with_city(args, work) else 0


@command
def cmd_unsubscribe(args: argparse.Namespace) -> int:
    count = in_db(
        args,
        lambda s: subscriptions.unsubscribe(s, args.id, None, remove_entries=args.remove_entries),
    )
    print(
        f"unsubscribed; {count} entries {'removed' if args.remove_entries else 'kept as your own'}"
    )
    return 0


@command
def cmd_drafts(args: argparse.Namespace) -> int:
    for draft in in_db(args, subscriptions.drafts, write=False):
        print(
            f"{draft.id:<5} {draft.action.value} {draft.kind.value} {draft.domain}  "
            f"(subscription {draft.subscription_id})"
        )
    return 0


@command
def cmd_accept(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    draft = in_db(
        args,
        lambda s: subscriptions.accept_draft(
            s, args.id, None, settings.federation.mode, settings.domain
        ),
    )
    print(f"accepted: {draft.action.value} {draft.kind.value} {draft.domain}")
    return 0


@command
def cmd_reject(args: argparse.Namespace) -> int:
    draft = in_db(args, lambda s: subscriptions.reject_draft(s, args.id, None))
    print(f"rejected: {draft.action.value} {draft.kind.value} {draft.domain}")
    return 0


@command
def cmd_rules(args: argparse.Namespace) -> int:
    if args.rules_command == "add":
        rules = in_db(args, lambda s: admin_settings.add_rule(s, args.text, args.hint, None))
    elif args.rules_command == "remove":
        rules = in_db(args, lambda s: admin_settings.remove_rule(s, args.number, None))
    else:
        rules = in_db(args, admin_settings.rules, write=False)
    for rule in rules:
        print(f"{rule.id}. {rule.text}" + (f"  ({rule.hint})" if rule.hint else ""))
    return 0


# ------------------------------------------------------------------ parser


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    group = sub.add_parser(
        "domains", help="federation policy: mode, allows, blocks, lists, subscriptions"
    )
    d = group.add_subparsers(dest="domains_command", required=True, metavar="ACTION")

    p = d.add_parser(
        "mode", parents=[common], help="show or set the federation mode (no restart needed)"
    )
    p.add_argument("mode", nargs="?", choices=FEDERATION_MODES)
    p.add_argument("--reason", default="")
    p.set_defaults(func=cmd_mode)
    p = d.add_parser("list", parents=[common], help="every allow and block entry")
    p.add_argument("--kind", choices=[k.value for k in RuleKind])
    p.set_defaults(func=cmd_list)

    def comments(p: argparse.ArgumentParser) -> None:
        p.add_argument("--public-comment", help="shown wherever the list is public")
        p.add_argument("--private-comment", help="for admins only")
        p.add_argument(
            "--obfuscate", action="store_true", help="show the name as exa****.*om in public"
        )

    p = d.add_parser("allow", parents=[common], help="allow a domain (and its subdomains)")
    p.add_argument("domain")
    comments(p)
    p.set_defaults(func=cmd_allow)
    p = d.add_parser("disallow", parents=[common], help="remove an allow entry")
    p.add_argument("domain")
    p.add_argument("--reason", default="")
    p.set_defaults(func=cmd_disallow)
    p = d.add_parser("block", parents=[common], help="block a domain (or change its block)")
    p.add_argument("domain")
    p.add_argument("--severity", choices=[s.value for s in Severity], default="suspend")
    p.add_argument("--reject-media", action="store_true")
    p.add_argument("--reject-reports", action="store_true")
    comments(p)
    p.set_defaults(func=cmd_block)
    p = d.add_parser("unblock", parents=[common], help="lift a block")
    p.add_argument("domain")
    p.add_argument("--reason", default="")
    p.set_defaults(func=cmd_unblock)
    p = d.add_parser(
        "import",
        parents=[common],
        help="import a list (all or nothing); --dry-run shows the changes",
    )
    p.add_argument("file", help="a file, or - for standard input")
    p.add_argument("--kind", choices=[k.value for k in RuleKind], default="block")
    p.add_argument(
        "--format", choices=domain_lists.FORMATS, help="default: from the file name or content"
    )
    p.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
    p.set_defaults(func=cmd_import)
    p = d.add_parser("export", parents=[common], help="write a list on standard output")
    p.add_argument("--kind", choices=[k.value for k in RuleKind], default="block")
    p.add_argument("--format", choices=domain_lists.FORMATS, default="csv")
    p.set_defaults(func=cmd_export)
    p = d.add_parser(
        "publish", parents=[common], help="publish the allow-list for other cities to subscribe"
    )
    p.add_argument("state", choices=["on", "off"])
    p.set_defaults(func=cmd_publish)
    p = d.add_parser(
        "show", parents=[common], help="who sees the domain list (about page, /api/v1/instance)"
    )
    p.add_argument("audience", choices=admin_settings.DOMAINS_VISIBILITIES)
    p.set_defaults(func=cmd_show)
    p = d.add_parser("subscribe", parents=[common], help="follow another city's published list")
    p.add_argument("url")
    p.add_argument("--kind", choices=[k.value for k in RuleKind], default="allow")
    p.add_argument(
        "--apply",
        action="store_true",
        help="apply changes at once instead of drafting them for review",
    )
    p.add_argument("--every-hours", type=int, default=24)
    p.set_defaults(func=cmd_subscribe)
    p = d.add_parser("subscriptions", parents=[common], help="list subscriptions")
    p.set_defaults(func=cmd_subscriptions)
    p = d.add_parser("refresh", parents=[common], help="refresh one subscription (or all) now")
    p.add_argument("id", type=int, nargs="?")
    p.set_defaults(func=cmd_refresh)
    p = d.add_parser(
        "unsubscribe", parents=[common], help="end a subscription (its entries stay, as your own)"
    )
    p.add_argument("id", type=int)
    p.add_argument("--remove-entries", action="store_true", help="also remove the entries it made")
    p.set_defaults(func=cmd_unsubscribe)
    p = d.add_parser(
        "drafts", parents=[common], help="changes proposed by subscriptions, waiting for review"
    )
    p.set_defaults(func=cmd_drafts)
    for name, func in (("accept", cmd_accept), ("reject", cmd_reject)):
        p = d.add_parser(name, parents=[common], help=f"{name} a draft")
        p.add_argument("id", type=int)
        p.set_defaults(func=func)

    rules = sub.add_parser(
        "rules", help="the city's rules (about page, /api/v1/instance)"
    ).add_subparsers(dest="rules_command", required=True, metavar="ACTION")
    p = rules.add_parser("list", parents=[common], help="the rules, numbered")
    p.set_defaults(func=cmd_rules)
    p = rules.add_parser("add", parents=[common], help="add a rule at the end")
    p.add_argument("text")
    p.add_argument("--hint", default="")
    p.set_defaults(func=cmd_rules)
    p = rules.add_parser("remove", parents=[common], help="remove rule number N")
    p.add_argument("number", type=int)
    p.set_defaults(func=cmd_rules)
