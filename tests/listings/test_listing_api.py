"""Posting, editing, browsing and withdrawing listings through the API, in one city."""

from __future__ import annotations

from .conftest import Market


async def test_a_listing_is_published_at_once_under_review_after_publication(city: Market) -> None:
    listing = await city.listing(category="velo")
    assert listing["state"] == "published"
    assert listing["price"] == {"amount": "3.00", "currency": "GRN"}
    assert listing["author"]["handle"] == f"alice@{city.settings.domain}"
    assert listing["expires_at"] is not None


async def test_a_listing_waits_for_review_before_publication(reviewed: Market) -> None:
    listing = await reviewed.listing()
    assert listing["state"] == "pending"
    page = (await reviewed.get("/listings")).json()
    assert page["listings"] == []


async def test_a_draft_is_kept_until_submitted(city: Market) -> None:
    listing = await city.listing(submit=False)
    assert listing["state"] == "draft"
    submitted = await city.post(f"/listings/{listing['id']}/submit", as_="alice")
    assert submitted.json()["state"] == "published"


async def test_browsing_is_newest_first_and_paged(city: Market) -> None:
    ids = [(await city.listing(title=f"Thing {n}"))["id"] for n in range(5)]
    first = (await city.get("/listings", limit="2")).json()
    assert [item["id"] for item in first["listings"]] == ids[::-1][:2]
    second = (await city.get("/listings", limit="2", cursor=first["next_cursor"])).json()
    assert [item["id"] for item in second["listings"]] == ids[::-1][2:4]
    last = (await city.get("/listings", limit="2", cursor=second["next_cursor"])).json()
    assert [item["id"] for item in last["listings"]] == ids[:1] and last["next_cursor"] is None


async def test_browsing_filters_by_purpose_category_and_price(city: Market) -> None:
    bike = await city.listing(title="Bike", category="velo", price="10.00")
    await city.listing(title="Cheap bike", category="velo", price="1.00")
    await city.listing(title="Lamp", price="10.00")
    await city.listing(purpose="request", title="Bike wanted", category="velo", price=None)
    found = (await city.get("/listings", purpose="offer", category="velo", min_price="5")).json()
    assert [item["id"] for item in found["listings"]] == [bike["id"]]


async def test_full_text_search_needs_every_word(city: Market) -> None:
    bike = await city.listing(title="Vélo de course", description="Un vélo rouge, freins neufs")
    await city.listing(title="Vélo bleu", description="pour enfant")
    found = (await city.get("/listings", q="velo rouge")).json()
    assert [item["id"] for item in found["listings"]] == [bike["id"]]


async def test_search_sees_an_edited_title(city: Market) -> None:
    listing = await city.listing(title="Old lamp")
    await city.patch(f"/listings/{listing['id']}", {"title": "Brass lantern"}, as_="alice")
    assert (await city.get("/listings", q="lamp")).json()["listings"] == []
    assert len((await city.get("/listings", q="lantern")).json()["listings"]) == 1


async def test_an_edit_of_a_published_listing_marks_it_updated(city: Market) -> None:
    listing = await city.listing()
    edited = await city.patch(
        f"/listings/{listing['id']}", {"price": "4.50", "quantity": 2}, as_="alice"
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["price"]["amount"] == "4.50" and edited.json()["updated_at"] is not None


async def test_only_the_author_edits_a_listing(city: Market) -> None:
    listing = await city.listing()
    answer = await city.patch(f"/listings/{listing['id']}", {"title": "Mine now"}, as_="bob")
    assert (answer.status_code, answer.json()["error"]["code"]) == (403, "forbidden")


async def test_a_withdrawn_listing_leaves_the_feed(city: Market) -> None:
    listing = await city.listing()
    answer = await city.post(f"/listings/{listing['id']}/withdraw", as_="alice")
    assert answer.json()["state"] == "withdrawn"
    assert (await city.get("/listings")).json()["listings"] == []


async def test_a_withdrawn_listing_cannot_be_withdrawn_again(city: Market) -> None:
    listing = await city.listing()
    await city.post(f"/listings/{listing['id']}/withdraw", as_="alice")
    again = await city.post(f"/listings/{listing['id']}/withdraw", as_="alice")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "invalid_transition")


async def test_a_draft_is_seen_by_its_author_only(city: Market) -> None:
    listing = await city.listing(submit=False)
    assert (await city.get(f"/listings/{listing['id']}", as_="bob")).status_code == 404
    assert (await city.get(f"/listings/{listing['id']}", as_="alice")).status_code == 200


async def test_my_listings_include_every_state(city: Market) -> None:
    await city.listing(submit=False)
    await city.listing()
    mine = (await city.get("/listings/mine", as_="alice")).json()
    assert sorted(item["state"] for item in mine["listings"]) == ["draft", "published"]


async def test_categories_are_listed_for_anyone(city: Market) -> None:
    answer = await city.get("/categories")
    assert answer.json() == {"categories": [{"slug": "velo", "name": "Bikes", "retired": False}]}


async def test_an_admin_adds_a_category(city: Market) -> None:
    made = await city.post("/categories", {"slug": "jardin", "name": "Garden"}, as_="mayor")
    assert made.status_code == 201
    refused = await city.post("/categories", {"slug": "outils", "name": "Tools"}, as_="alice")
    assert refused.status_code == 403
