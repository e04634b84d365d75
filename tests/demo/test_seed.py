"""`comptoir demo seed` (what `python3 dev.py demo` runs on its first start): a fresh city gets
residents, categories and published listings in French, once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from exchange import members
from instance.city import City
from models import Listing, ListingState, Role
from server.app import build_city
from server.cli_demo import CATEGORIES, LISTINGS, RESIDENTS, seed

from ..cli import comptoir

PASSWORD = "demo password 123"


@pytest.fixture
def fresh_city(make_settings: Callable[..., Any]) -> Iterator[City]:
    """A city on a fresh database whose admin exists (dev.py creates it before seeding); the
    demo's defaults: listings reviewed before publication."""
    settings = make_settings(moderation={"listing_review": "before"})
    city = build_city(settings, with_worker=False)
    credentials = members.prepare_credentials(PASSWORD)
    city.db.write_sync(lambda s: members.add_member(s, "admin", credentials, role=Role.admin))
    yield city
    city.db.dispose()


def test_the_demo_city_has_residents_categories_and_published_listings_in_french(
    fresh_city: City,
) -> None:
    assert seed(fresh_city, PASSWORD) == len(LISTINGS)
    listings = fresh_city.db.read_sync(lambda s: list(s.scalars(select(Listing))))
    assert len(listings) == len(LISTINGS) >= 5
    assert {row.state for row in listings} == {ListingState.published}
    assert {row.language for row in listings} == {"fr"}
    assert {row.category for row in listings} <= {slug for slug, _ in CATEGORIES}
    assert "Réparation de vélo" in {row.title for row in listings}
    for name, _ in RESIDENTS:  # the residents may log in with the password given
        found = fresh_city.db.read_sync(lambda s, n=name: members.authenticate(s, n, PASSWORD))
        assert found is not None


def test_seeding_again_adds_nothing(fresh_city: City) -> None:
    seed(fresh_city, PASSWORD)
    assert seed(fresh_city, PASSWORD) == 0
    count = fresh_city.db.read_sync(lambda s: len(list(s.scalars(select(Listing.id)))))
    assert count == len(LISTINGS)


def test_the_command_needs_the_admin_first(make_settings: Callable[..., Any]) -> None:
    settings = make_settings()
    ran = comptoir(settings.path, "demo", "seed", stdin=PASSWORD + "\n")
    assert ran.returncode == 1
    assert "create the admin first" in ran.stderr
