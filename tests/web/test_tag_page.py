"""A hashtag's web page (`/tags/{tag}`, web/tag_page.py): what the API's tag timeline shows
(public notes carrying the hashtag, listings of its category or carrying it), newest first,
paged, by the same rules of who sees what."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from exchange.categories import add_category

from ..api.mastodon_city import Masto
from .conftest import logged_in

ARTICLES = re.compile(r"<article class=\"(note|listing)\">")


@pytest.fixture
def masto(in_process_city: Callable[..., Any]) -> Masto:
    """alice and bob, members posting from an app (listings published at once)."""
    app, _, http = in_process_city(moderation={"listing_review": "after"})
    city = Masto(app, http)
    city.member("alice")
    city.member("bob")
    return city


async def test_the_tag_page_shows_a_public_note_and_not_a_followers_only_one(
    masto: Masto,
) -> None:
    await masto.status("alice", "Spring ride on Sunday #velo")
    await masto.status("alice", "Only for my followers #velo", visibility="private")
    page = await masto.http.get("/tags/velo")
    assert page.status_code == 200
    assert "Spring ride on Sunday" in page.text and "@alice" in page.text
    assert "Only for my followers" not in page.text


async def test_the_tag_page_shows_listings_by_category_and_by_hashtag_newest_first(
    masto: Masto,
) -> None:
    masto.db.write_sync(lambda s: add_category(s, "velo", "Vélo"))
    await masto.listing("alice", title="Tandem to lend", category="velo")
    await masto.status("bob", "Who has a pump? #velo")
    await masto.listing("bob", title="Bike lights", description="For night rides #Velo")
    page = (await masto.http.get("/tags/VELO")).text
    said = [page.index(t) for t in ("Bike lights", "Who has a pump?", "Tandem to lend")]
    assert said == sorted(said)
    assert ARTICLES.findall(page) == ["listing", "note", "listing"]
    assert 'href="/listings?category=velo"' in page


async def test_the_tag_page_pages_older_statuses_without_loss_or_repeat(masto: Masto) -> None:
    for i in range(23):
        await masto.status("alice", f"Ride number {i:02} #velo")
    first = (await masto.http.get("/tags/velo")).text
    older = re.search(r'href="/tags/velo\?before=(\d+)"', first)
    assert older is not None
    second = (await masto.http.get(f"/tags/velo?before={older.group(1)}")).text
    shown = [int(n) for n in re.findall(r"Ride number (\d\d)", first + second)]
    assert shown == list(range(22, -1, -1))
    assert "?before=" not in second


async def test_the_tag_page_leaves_out_what_the_member_blocked(masto: Masto) -> None:
    await masto.status("bob", "Ride with Bob #velo")
    await masto.status("alice", "Ride with Alice #velo")
    blocked = await masto.post(f"/api/v1/accounts/{masto.account_id('bob')}/block", "alice")
    assert blocked.status_code == 200, blocked.text
    browser = await logged_in(masto.app, "alice")
    try:
        page = (await browser.client.get("/tags/velo")).text
    finally:
        await browser.client.aclose()
    assert "Ride with Alice" in page and "Ride with Bob" not in page
    assert "Ride with Bob" in (await masto.http.get("/tags/velo")).text


async def test_a_name_that_is_no_hashtag_has_no_page(masto: Masto) -> None:
    assert (await masto.http.get("/tags/123")).status_code == 404


async def test_a_hashtag_nobody_used_has_an_empty_page(masto: Masto) -> None:
    page = await masto.http.get("/tags/nothing_here")
    assert page.status_code == 200 and "Nothing public carries this hashtag yet." in page.text
