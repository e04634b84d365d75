"""The market's web pages: post a listing with a photo, browse, moderate, negotiate,
read notifications."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from exchange import categories
from models import Listing, Negotiation, Role

from ..web.conftest import Browser, add_member, logged_in
from .conftest import image_bytes


@pytest.fixture
async def site(in_process_city: Any) -> Any:
    """A city under review before publication, with alice, bob and a moderator,
    and one browser each."""
    app, _, _ = in_process_city(moderation={"listing_review": "before"})
    add_member(app, "alice")
    add_member(app, "bob")
    add_member(app, "mod", role=Role.moderator)
    app.state.city.db.write_sync(lambda s: categories.add_category(s, "velo", "Bikes"))
    browsers = {name: await logged_in(app, name) for name in ("alice", "bob", "mod")}
    yield app, browsers
    for browser in browsers.values():
        await browser.client.aclose()


async def post_listing(browser: Browser, **fields: str) -> httpx.Response:
    token = await browser.form_token("/listings/new")
    data = {
        "csrf_token": token,
        "purpose": "offer",
        "title": "Bike repair",
        "price": "3.00",
        "category": "velo",
        "alt1": "A bike on a stand",
        **fields,
    }
    files = {"photo1": ("bike.jpg", image_bytes("JPEG"), "image/jpeg")}
    return await browser.client.post("/listings/new", data=data, files=files)


def the_listing(app: Any) -> Listing:
    return app.state.city.db.read_sync(lambda s: s.scalar(select(Listing)))


async def test_a_member_posts_a_listing_with_a_photo_and_it_waits_for_review(site: Any) -> None:
    app, browsers = site
    answer = await post_listing(browsers["alice"])
    assert answer.status_code == 303
    listing = the_listing(app)
    assert listing.state.value == "pending" and listing.photos[0]["alt"] == "A bike on a stand"
    page = await browsers["alice"].client.get(f"/listings/{listing.public_id}")
    assert "Bike repair" in page.text and 'alt="A bike on a stand"' in page.text
    assert (await browsers["bob"].client.get(f"/listings/{listing.public_id}")).status_code == 404


async def test_a_photo_without_alt_text_sends_the_form_back_with_the_photo_kept_and_no_listing(
    site: Any,
) -> None:
    app, browsers = site
    answer = await post_listing(browsers["alice"], alt1="")
    assert answer.status_code == 400 and "alt text" in answer.text
    assert the_listing(app) is None
    [pending] = list((app.state.city.settings.data_dir / "media").glob("*.jpg"))
    assert f'name="kept1" value="{pending.name}"' in answer.text


async def test_a_moderator_approves_from_the_queue_and_it_shows_in_the_market(site: Any) -> None:
    app, browsers = site
    await post_listing(browsers["alice"])
    listing = the_listing(app)
    queue = await browsers["mod"].client.get("/admin/listings")
    assert "Bike repair" in queue.text
    await browsers["mod"].submit("/admin/listings", f"/admin/listings/{listing.public_id}/approve")
    market = await browsers["bob"].client.get("/listings?q=repair")
    assert f"/listings/{listing.public_id}" in market.text and "Price: 3.00 GRN" in market.text


async def offered(app: Any, browsers: dict[str, Browser], **terms: str) -> str:
    """alice's listing, approved, and bob's offer on it from the listing page: the thread's path."""
    await post_listing(browsers["alice"])
    listing = the_listing(app)
    await browsers["mod"].submit("/admin/listings", f"/admin/listings/{listing.public_id}/approve")
    page = f"/listings/{listing.public_id}"
    answer = await browsers["bob"].submit(
        page, f"{page}/offer", quantity="1", price="2.50", step="confirm", **terms
    )
    assert answer.status_code == 303
    negotiation = app.state.city.db.read_sync(lambda s: s.scalar(select(Negotiation)))
    return f"/negotiations/{negotiation.public_id}"


async def accept_as_alice(browsers: dict[str, Browser], thread: str) -> httpx.Response:
    offer = (
        (await browsers["alice"].client.get(thread))
        .text.split('name="offer" value="')[1]
        .split('"')[0]
    )
    return await browsers["alice"].submit(thread, f"{thread}/accept", offer=offer, step="confirm")


async def test_a_member_makes_an_offer_from_the_listing_page_and_the_seller_accepts(
    site: Any,
) -> None:
    app, browsers = site
    thread = await offered(app, browsers, message="Saturday?")
    seller_view = await browsers["alice"].client.get(thread)
    assert "2.50 GRN" in seller_view.text and "Saturday?" in seller_view.text
    assert (await accept_as_alice(browsers, thread)).status_code == 303
    notices = await browsers["bob"].client.get("/notifications")
    assert "accepted your offer" in notices.text


async def test_the_buyer_pays_the_agreement_from_the_thread_page(site: Any) -> None:
    app, browsers = site
    thread = await offered(app, browsers)
    await accept_as_alice(browsers, thread)
    assert "Pay 2.50 GRN" not in (await browsers["alice"].client.get(thread)).text
    assert "Pay 2.50 GRN" in (await browsers["bob"].client.get(thread)).text
    paid = await browsers["bob"].submit(thread, f"{thread}/pay", step="confirm")
    assert paid.status_code == 303
    after = (await browsers["bob"].client.get(thread)).text
    assert "Agreement paid" in after and "Pay 2.50 GRN" not in after
    assert "paid you 2.50 GRN" in (await browsers["alice"].client.get("/notifications")).text
