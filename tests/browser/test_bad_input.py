"""Bad input typed into the forms of a real browser: the error beside its field (the field
marked invalid and described by it), nothing typed lost, photos kept, nothing created twice,
never a 500.

Some cases (an empty required field) are first stopped by the browser's own form checks; the
tests turn those off (`noValidate`) to see what the server answers browsers that have none.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from models import Listing, Negotiation, Role

from ..listings.conftest import image_bytes
from ..live import LiveCity
from .conftest import SQLITE_ONLY, Findings, Person, add_member

pytestmark = SQLITE_ONLY

PHOTO = {"name": "bike.png", "mimeType": "image/png", "buffer": image_bytes("PNG")}


@pytest.fixture
async def city(start_city: Callable[..., Any]) -> LiveCity:
    """A city publishing listings at once, where alice and bob may spend 100 on credit."""
    live: LiveCity = await start_city(
        moderation={"listing_review": "after"}, currency={"credit_limit": "100.00"}
    )
    add_member(live, "alice")
    add_member(live, "bob", Role.member)
    return live


@pytest.fixture
async def alice(
    city: LiveCity, people: Callable[..., Any], findings: Findings
) -> AsyncIterator[Person]:
    """alice, logged in; every page she saw passed the page checks when the test ends."""
    person: Person = await people("alice", city)
    await person.log_in()
    yield person
    findings.assert_none()


def count(city: LiveCity, table: Any) -> int:
    return int(city.db.read_sync(lambda s: s.scalar(select(func.count()).select_from(table))))


async def without_browser_checks(person: Person) -> None:
    """Turn off the browser's own checks of every form on the page."""
    await person.page.evaluate(
        "document.querySelectorAll('form').forEach(f => f.noValidate = true)"
    )


async def error_beside(person: Person, field: str, within: str = "main") -> str:
    """The error shown right after the label of `field` (a CSS selector) in the form
    `within`, which the field names with aria-describedby and marks invalid; its text."""
    control = person.page.locator(f"{within} {field}")
    assert await control.get_attribute("aria-invalid") == "true"
    error_id = await control.get_attribute("aria-describedby")
    assert error_id, f"{field} names no error"
    beside = person.page.locator(f"{within} label:has({field}) + p.error#{error_id}")
    assert await beside.is_visible(), f"no error right after {field}"
    return await beside.inner_text()


async def fill_listing(person: Person, price: str = "12.00", *, photo: bool = True) -> None:
    await person.open("/listings/new")
    await without_browser_checks(person)
    page = person.page
    await page.get_by_label("Title").fill("Bike repair")
    await page.get_by_label("Description").fill("Flat tyres <and> brakes")
    await page.get_by_label("Price per unit").fill(price)
    if photo:
        await page.get_by_label("Photo 1", exact=True).set_input_files(PHOTO)
        await page.get_by_label("What photo 1 shows").fill("A bike on a stand")


async def post(person: Person, label: str) -> int:
    """Press Post; the answer's status."""
    async with person.page.expect_navigation() as navigation:
        await person.page.get_by_role("button", name="Post", exact=True).click()
    answer = await navigation.value
    assert answer is not None
    await person.seen(label)
    return answer.status


@pytest.mark.parametrize(
    "price, said",
    [
        ("99999999999", "price is at most 1,000,000 per unit"),
        ("-5", "price must not be negative"),
        ("twelve", "price must be a decimal number"),
    ],
)
async def test_a_refused_price_is_shown_beside_it_and_everything_comes_back_photo_included(
    alice: Person, city: LiveCity, price: str, said: str
) -> None:
    await fill_listing(alice, price)
    assert await post(alice, "price refused") == 400
    assert said in await error_beside(alice, 'input[name="price"]')
    page = alice.page
    assert await page.get_by_label("Title").input_value() == "Bike repair"
    assert await page.get_by_label("Description").input_value() == "Flat tyres <and> brakes"
    assert await page.get_by_label("What photo 1 shows").input_value() == "A bike on a stand"
    assert await page.locator(".kept-photo img").count() == 1
    assert count(city, Listing) == 0
    await page.get_by_label("Price per unit").fill("12.00")
    assert await post(alice, "price fixed") == 200
    listing = city.db.read_sync(lambda s: s.scalar(select(Listing)))
    assert listing.title == "Bike repair" and listing.photos[0]["alt"] == "A bike on a stand"


async def test_an_empty_title_is_shown_beside_it(alice: Person, city: LiveCity) -> None:
    await fill_listing(alice)
    await alice.page.get_by_label("Title").fill("")
    assert await post(alice, "title missing") == 400
    assert "title is required" in await error_beside(alice, 'input[name="title"]')
    assert count(city, Listing) == 0


@pytest.mark.parametrize(
    "upload, status, said",
    [
        (
            {"name": "bike.png", "mimeType": "image/png", "buffer": b"no picture"},
            400,
            "not an image",
        ),
        (
            {"name": "huge.png", "mimeType": "image/png", "buffer": b"\0" * 10_000_001},
            413,
            "a photo is at most",
        ),
    ],
)
async def test_a_file_that_is_not_a_usable_image_is_shown_beside_its_photo(
    alice: Person, city: LiveCity, upload: dict[str, Any], status: int, said: str
) -> None:
    await fill_listing(alice, photo=False)
    await alice.page.get_by_label("Photo 1", exact=True).set_input_files(upload)  # type: ignore[arg-type]
    await alice.page.get_by_label("What photo 1 shows").fill("A bike")
    assert await post(alice, "photo refused") == status
    assert said in await error_beside(alice, 'input[name="photo1"]')
    assert await alice.page.get_by_label("Title").input_value() == "Bike repair"
    assert count(city, Listing) == 0


async def test_posting_again_after_going_back_makes_one_listing(
    alice: Person, city: LiveCity
) -> None:
    await fill_listing(alice)
    assert await post(alice, "posted") == 200
    await alice.page.go_back()
    await alice.page.get_by_label("Title").fill("Bike repair")
    await alice.page.get_by_label("Price per unit").fill("12.00")
    assert await post(alice, "posted again") == 200
    assert count(city, Listing) == 1


async def test_a_double_click_on_post_makes_one_listing(alice: Person, city: LiveCity) -> None:
    await fill_listing(alice)
    # the second click aborts the first navigation: wait for where the last one lands
    await alice.page.get_by_role("button", name="Post", exact=True).dblclick()
    await alice.page.wait_for_url(re.compile(r"/listings/\w+\?message="))
    await alice.page.wait_for_load_state()
    await alice.seen("double click")
    assert count(city, Listing) == 1


@pytest.mark.parametrize(
    "amount, said",
    [
        ("", "amount must be a decimal number"),
        ("ten", "amount must be a decimal number"),
        ("-5", "amount must be more than zero"),
        ("99999999999999999999", "amount must be a decimal number"),
    ],
)
async def test_a_refused_payment_amount_is_shown_beside_it_with_the_rest_kept(
    alice: Person, amount: str, said: str
) -> None:
    await alice.open("/account")
    await without_browser_checks(alice)
    await alice.page.get_by_label("To").first.fill("bob")
    await alice.page.get_by_label("Amount in").fill(amount)
    await alice.page.get_by_label("Memo").fill("Bread")
    await alice.press("Pay")
    await alice.seen("payment refused")
    assert said in await error_beside(alice, 'input[name="amount"]')
    assert await alice.page.get_by_label("Memo").input_value() == "Bread"
    assert "Balance: 0.00" in await alice.text()


async def test_a_refused_offer_price_is_shown_beside_it_and_no_thread_is_opened(
    alice: Person, city: LiveCity, people: Callable[..., Any]
) -> None:
    await fill_listing(alice, photo=False)
    await post(alice, "posted")
    listing_path = alice.page.url.removeprefix(city.url).split("?")[0]
    bob: Person = await people("bob", city)
    await bob.log_in()
    await bob.open(listing_path, "listing")
    await bob.page.get_by_label("Total price in").fill("lots")
    await bob.page.get_by_label("Message").fill("Is it still there?")
    await bob.press("Send the offer")
    await bob.seen("offer refused")
    assert "decimal number" in await error_beside(
        bob, 'input[name="price"]', 'form[action$="/offer"]'
    )
    assert await bob.page.get_by_label("Message").input_value() == "Is it still there?"
    assert count(city, Negotiation) == 0


async def test_asking_more_than_is_left_says_how_many_are_left_beside_the_quantity(
    alice: Person, city: LiveCity, people: Callable[..., Any]
) -> None:
    await fill_listing(alice, photo=False)
    await alice.page.get_by_label("Quantity").fill("5")
    await post(alice, "posted five")
    listing_path = alice.page.url.removeprefix(city.url).split("?")[0]
    bob: Person = await people("bob", city)
    await bob.log_in()
    await bob.open(listing_path, "listing")
    await without_browser_checks(bob)
    await bob.page.get_by_label("Quantity").fill("99")
    await bob.page.get_by_label("Total price in").fill("1.00")
    await bob.press("Send the offer")
    await bob.seen("too many asked")
    said = await error_beside(bob, 'input[name="quantity"]', 'form[action$="/offer"]')
    assert said == "only 5 left, 99 asked"
    assert count(city, Negotiation) == 0
