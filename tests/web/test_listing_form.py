"""The listing form refused: everything typed comes back, photos too, each error beside its
field; a price has a sane ceiling; sending one form twice makes one listing."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from models import Listing

from ..listings.conftest import image_bytes
from .conftest import Browser, add_member, logged_in

HTML = {"Accept": "text/html"}
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_ID_RE = re.compile(r'name="form_id" value="([^"]+)"')


@pytest.fixture
async def alice(in_process_city: Callable[..., Any]) -> AsyncIterator[tuple[Any, Browser]]:
    """A city publishing listings at once, and alice logged in."""
    app, _, _ = in_process_city(moderation={"listing_review": "after"})
    add_member(app, "alice")
    browser = await logged_in(app, "alice")
    yield app, browser
    await browser.client.aclose()


async def new_form(browser: Browser) -> dict[str, str]:
    """The hidden fields of a fresh drawing of the listing form."""
    page = (await browser.client.get("/listings/new")).text
    csrf, form_id = CSRF_RE.search(page), FORM_ID_RE.search(page)
    assert csrf and form_id
    return {"csrf_token": csrf.group(1), "form_id": form_id.group(1)}


async def post(
    browser: Browser,
    hidden: dict[str, str],
    photo: bytes | None = None,
    **fields: str,
) -> httpx.Response:
    data = {"purpose": "offer", "title": "Bike repair", "price": "3.00", **hidden, **fields}
    files = {"photo1": ("bike.png", photo, "image/png")} if photo is not None else None
    return await browser.client.post("/listings/new", data=data, files=files, headers=HTML)


def listings(app: Any) -> int:
    return int(app.state.city.db.read_sync(lambda s: s.scalar(select(func.count(Listing.id)))))


def the_error(page: str, field: str) -> str:
    """The error shown beside `field`, checking the input points at it (aria-describedby)."""
    assert f'aria-describedby="listing-{field}-error"' in page
    found = re.search(
        rf'<p class="error" role="alert" id="listing-{field}-error">([^<]*)</p>', page
    )
    assert found, f"no error beside {field}"
    return found.group(1)


@pytest.mark.parametrize(
    "price, said",
    [
        ("99999999999", "price is at most 1,000,000 per unit"),
        ("-5", "price must not be negative"),
        ("abc", "price must be a decimal number"),
        ("1.234", "decimal places"),
    ],
)
async def test_a_refused_price_is_shown_beside_the_price_with_everything_typed_kept(
    alice: Any, price: str, said: str
) -> None:
    app, browser = alice
    answer = await post(
        browser, await new_form(browser), price=price, description="Fast <b>and</b> cheap"
    )
    assert answer.status_code == 400
    assert said in the_error(answer.text, "price")
    assert f'name="price" inputmode="decimal" value="{price}"' in answer.text
    assert "Fast &lt;b&gt;and&lt;/b&gt; cheap</textarea>" in answer.text
    assert listings(app) == 0


async def test_an_empty_title_is_shown_beside_the_title(alice: Any) -> None:
    app, browser = alice
    answer = await post(browser, await new_form(browser), title="  ", place="Market square")
    assert answer.status_code == 400 and "title is required" in the_error(answer.text, "title")
    assert 'value="Market square"' in answer.text and listings(app) == 0


async def test_a_non_numeric_quantity_is_shown_beside_the_quantity(alice: Any) -> None:
    _, browser = alice
    answer = await post(browser, await new_form(browser), quantity="lots")
    assert "whole number" in the_error(answer.text, "quantity")


async def test_a_photo_sent_with_a_refused_form_is_kept_with_its_description(alice: Any) -> None:
    app, browser = alice
    hidden = await new_form(browser)
    refused = await post(browser, hidden, image_bytes("PNG"), price="-1", alt1="A red bike")
    kept = re.search(r'name="kept1" value="([^"]+)"', refused.text)
    assert kept and 'name="alt1" maxlength="1500" value="A red bike"' in refused.text
    fixed = await post(browser, hidden, kept1=kept.group(1), alt1="A red bike")
    assert fixed.status_code == 303
    listing = app.state.city.db.read_sync(lambda s: s.scalar(select(Listing)))
    assert listing.photos[0]["file"] == kept.group(1)
    assert listing.photos[0]["alt"] == "A red bike"


async def test_a_pending_photo_of_another_session_cannot_be_attached(
    alice: Any,
) -> None:
    app, browser = alice
    hidden = await new_form(browser)
    refused = await post(browser, hidden, image_bytes("PNG"), price="-1", alt1="A red bike")
    kept = re.search(r'name="kept1" value="([^"]+)"', refused.text)
    assert kept
    add_member(app, "mallory")
    mallory = await logged_in(app, "mallory")
    answer = await post(
        mallory, await new_form(mallory), kept1=kept.group(1), alt1="Stolen", title="Mine"
    )
    await mallory.client.aclose()
    assert answer.status_code == 303
    listing = app.state.city.db.read_sync(lambda s: s.scalar(select(Listing)))
    assert listing.photos == []


async def test_a_file_that_is_not_an_image_is_refused_beside_its_photo(alice: Any) -> None:
    app, browser = alice
    answer = await post(browser, await new_form(browser), b"not an image at all", alt1="x")
    assert answer.status_code == 400
    assert "not an image" in the_error(answer.text, "photo1") and listings(app) == 0


async def test_an_oversized_photo_is_refused_beside_its_photo(alice: Any) -> None:
    app, browser = alice
    limit = app.state.city.settings.listings.max_photo_bytes
    answer = await post(browser, await new_form(browser), b"\0" * (limit + 1), alt1="x")
    assert answer.status_code == 413
    assert "a photo is at most" in the_error(answer.text, "photo1") and listings(app) == 0


async def test_a_form_sent_twice_makes_one_listing_and_both_land_on_it(alice: Any) -> None:
    app, browser = alice
    hidden = await new_form(browser)
    first = await post(browser, hidden)
    second = await post(browser, hidden)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert listings(app) == 1


async def test_a_form_sent_again_after_a_refusal_makes_one_listing(alice: Any) -> None:
    app, browser = alice
    hidden = await new_form(browser)
    await post(browser, hidden, price="abc")
    await post(browser, hidden)
    await post(browser, hidden)
    assert listings(app) == 1


async def test_the_same_words_posted_from_a_new_drawing_go_to_the_first_listing(
    alice: Any,
) -> None:
    app, browser = alice
    first = await post(browser, await new_form(browser))
    again = await post(browser, await new_form(browser))
    assert again.headers["location"].split("?")[0] == first.headers["location"].split("?")[0]
    assert "posted+this+listing+already" in again.headers["location"]
    assert listings(app) == 1


async def test_two_drawings_of_the_form_with_other_words_make_two_listings(alice: Any) -> None:
    app, browser = alice
    await post(browser, await new_form(browser))
    await post(browser, await new_form(browser), title="Bike repair, Sundays too")
    assert listings(app) == 2


async def test_one_form_sent_twice_at_once_makes_one_listing(alice: Any) -> None:
    app, browser = alice
    hidden = await new_form(browser)
    first, second = await asyncio.gather(post(browser, hidden), post(browser, hidden))
    assert first.status_code == second.status_code == 303
    assert first.headers["location"].split("?")[0] == second.headers["location"].split("?")[0]
    assert listings(app) == 1


async def test_a_refused_edit_shows_the_error_beside_the_field_with_what_was_typed(
    alice: Any,
) -> None:
    _, browser = alice
    posted = await post(browser, await new_form(browser))
    edit = posted.headers["location"].split("?")[0] + "/edit"
    token = await browser.form_token(edit)
    answer = await browser.client.post(
        edit,
        data={"csrf_token": token, "purpose": "offer", "title": "Bike repair", "price": "-2"},
        headers=HTML,
    )
    assert answer.status_code == 400
    assert "price must not be negative" in the_error(answer.text, "price")
    assert 'name="price" inputmode="decimal" value="-2"' in answer.text


async def test_a_kept_photo_the_member_removes_is_deleted_and_not_attached(alice: Any) -> None:
    app, browser = alice
    hidden = await new_form(browser)
    refused = await post(browser, hidden, image_bytes("PNG"), price="-1", alt1="A red bike")
    kept = re.search(r'name="kept1" value="([^"]+)"', refused.text)
    assert kept
    stored = app.state.city.settings.data_dir / "media" / kept.group(1)
    assert stored.exists()
    fixed = await post(browser, hidden, kept1=kept.group(1), drop1="1")
    assert fixed.status_code == 303 and not stored.exists()
    listing = app.state.city.db.read_sync(lambda s: s.scalar(select(Listing)))
    assert listing.photos == []


async def test_a_session_keeps_at_most_eight_pending_photos_and_deletes_older_ones(
    alice: Any,
) -> None:
    app, browser = alice
    hidden = await new_form(browser)
    for _ in range(9):
        await post(browser, hidden, image_bytes("PNG"), price="-1", alt1="A red bike")
    assert len(list((app.state.city.settings.data_dir / "media").iterdir())) == 8
