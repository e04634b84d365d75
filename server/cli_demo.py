"""`comptoir demo seed`: a living demo city, for `python3 dev.py demo` on its first start.

A few residents, the city's categories and listings written in French (the demo city's
language), published as a member would publish them (services.listings: the state graph, the
moderator's approval when listings are reviewed first, the federation rows). Seeding a city
that already has a listing or a category does nothing: the demo seeds only its first start,
never over what someone made by hand. The residents' password is read from stdin (dev.py gives
them the admin's, saved in demo/admin-password.txt).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exchange import categories, members
from exchange.errors import DomainError
from exchange.listings import ListingDraft
from instance.city import City
from instance.settings import load_settings
from models import Category, Listing, ListingState, Member, MemberStatus, Role
from server.app import build_city
from server.cli_common import ensure_schema, fail
from services import listings as market

CATEGORIES = [
    ("jardin", "Jardin"),
    ("reparations", "Réparations"),
    ("cuisine", "Cuisine"),
    ("cours", "Cours et soutien"),
]

RESIDENTS = [
    ("claire", "Claire Martin"),
    ("hugo", "Hugo Lefèvre"),
    ("ines", "Inès Haddad"),
]


@dataclass(frozen=True)
class DemoListing:
    author: str
    draft: ListingDraft


LISTINGS = [
    DemoListing(
        "claire",
        ListingDraft(
            "offer",
            "Réparation de vélo",
            "Crevaisons, freins, dérailleur : je répare votre vélo dans mon garage.",
            "reparations",
            "12.50",
            place="Quartier de la gare",
            language="fr",
        ),
    ),
    DemoListing(
        "claire",
        ListingDraft(
            "gift",
            "Plants de tomates",
            "Une vingtaine de plants de tomates cerises, à venir chercher.",
            "jardin",
            None,
            quantity=20,
            language="fr",
        ),
    ),
    DemoListing(
        "hugo",
        ListingDraft(
            "offer",
            "Confitures maison",
            "Abricot, fraise ou rhubarbe, pots de 350 g.",
            "cuisine",
            "4.00",
            quantity=12,
            language="fr",
        ),
    ),
    DemoListing(
        "hugo",
        ListingDraft(
            "request",
            "Cherche une perceuse pour un week-end",
            "Pour poser des étagères ; je la rends propre.",
            "reparations",
            "5.00",
            language="fr",
        ),
    ),
    DemoListing(
        "ines",
        ListingDraft(
            "offer",
            "Soutien en mathématiques",
            "Collège et lycée, une heure par séance.",
            "cours",
            "15.00",
            quantity=10,
            language="fr",
        ),
    ),
    DemoListing(
        "ines",
        ListingDraft(
            "offer",
            "Taille de haies",
            "J'apporte le taille-haie ; vous gardez les branches pour le compost.",
            "jardin",
            "20.00",
            language="fr",
        ),
    ),
]


def already_lived_in(session: Session) -> bool:
    """Whether someone already made categories or listings here (then the demo adds none)."""
    made = session.scalar(select(func.count()).select_from(Listing)) or 0
    made += session.scalar(select(func.count()).select_from(Category)) or 0
    return made > 0


def _moderator(session: Session) -> Member:
    found = session.scalar(
        select(Member)
        .where(Member.role == Role.admin, Member.status == MemberStatus.active)
        .order_by(Member.id)
    )
    if found is None:
        raise DomainError("no_admin", "create the admin first (comptoir users create)", 409)
    return found


def seed(city: City, password: str) -> int:
    """Residents, categories and listings of a demo city; how many listings were published
    (0 when the city already had listings or categories)."""
    if city.db.read_sync(already_lived_in):
        return 0
    credentials = {name: members.prepare_credentials(password) for name, _ in RESIDENTS}

    def work(session: Session) -> int:
        moderator = _moderator(session)
        for slug, name in CATEGORIES:
            categories.add_category(session, slug, name, moderator)
        authors = {
            name: members.find_member(session, name)
            or members.add_member(session, name, credentials[name], display_name=display)
            for name, display in RESIDENTS
        }
        for item in LISTINGS:
            listing = market.create(session, city, authors[item.author], item.draft)
            if listing.state is ListingState.pending:  # the city reviews listings first
                market.approve(session, city, moderator, listing)
        return len(LISTINGS)

    return city.db.write_sync(work)


def cmd_demo_seed(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    ensure_schema(settings)
    password = sys.stdin.readline().rstrip("\r\n")
    city = build_city(settings, with_worker=False)
    try:
        made = seed(city, password)
    except DomainError as exc:
        return fail(exc.message, 1)
    finally:
        asyncio.run(city.fediverse.aclose())
        city.db.dispose()
    if made:
        names = ", ".join(name for name, _ in RESIDENTS)
        print(f"demo: {len(CATEGORIES)} categories, {made} listings by {names}")
    else:
        print("demo: this city already has listings or categories; nothing added")
    return 0


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    demo = sub.add_parser("demo", help="the demo city of dev.py").add_subparsers(
        dest="demo_command", required=True, metavar="ACTION"
    )
    p = demo.add_parser(
        "seed",
        parents=[common],
        help="residents, categories and listings in French, once (their password from stdin)",
    )
    p.set_defaults(func=cmd_demo_seed)
