"""Errors a browser meets are pages of the site, with their status: a missing page, a listing
that has ended, a page that needs a login (which leads there and back)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import select

from exchange import listings
from exchange.listings import ListingDraft
from models import ListingState, Member
from services import listings as market

from ..live import LiveCity
from .conftest import PASSWORD, SQLITE_ONLY, Findings, Person, add_member

pytestmark = SQLITE_ONLY


@pytest.fixture
async def city(start_city: Callable[..., Any]) -> LiveCity:
    live: LiveCity = await start_city(moderation={"listing_review": "after"})
    add_member(live, "alice")
    return live


@pytest.fixture
async def visitor(
    city: LiveCity, people: Callable[..., Any], findings: Findings
) -> AsyncIterator[Person]:
    """Someone not logged in; every page they saw passed the page checks when the test ends."""
    person: Person = await people("alice", city)
    yield person
    findings.assert_none()


async def status_of(person: Person, path: str) -> int:
    answer = await person.page.goto(person.city.url + path)
    assert answer is not None
    await person.seen(path)
    return answer.status


async def test_a_missing_page_is_the_sites_404_page(visitor: Person) -> None:
    assert await status_of(visitor, "/no/such/page") == 404
    assert await visitor.page.get_by_role("heading", name="404").count() == 1
    assert await visitor.page.get_by_role("link", name="Market").count() >= 1


async def test_a_link_to_a_listing_that_ended_is_the_410_page_saying_so(
    visitor: Person, city: LiveCity
) -> None:
    def sold(session: Any) -> str:
        """alice's listing, published, then sold out (closed)."""
        alice = session.scalar(select(Member).where(Member.username == "alice"))
        draft = ListingDraft(purpose="offer", title="Sold bike", price="5.00")
        listing = market.create(session, city.city, alice, draft)
        listings.move(listing, ListingState.closed)
        return str(listing.public_id)

    public_id = city.db.write_sync(sold)
    assert await status_of(visitor, f"/listings/{public_id}") == 410
    assert "This listing has ended." in await visitor.text()


async def test_the_account_page_logged_out_leads_to_the_login_and_back(visitor: Person) -> None:
    assert await status_of(visitor, "/account") == 200
    assert visitor.page.url.endswith("/login?next=%2Faccount")
    await visitor.page.get_by_label("Username").fill("alice")
    await visitor.page.get_by_label("Password").fill(PASSWORD)
    await visitor.press("Log in")
    await visitor.seen("back after login")
    assert visitor.page.url.endswith("/account")
    assert "My account" in await visitor.text()
