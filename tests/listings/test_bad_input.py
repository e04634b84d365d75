"""Refused listings, photos and offers:
a clear error (code and message) and nothing stored half-way."""

from __future__ import annotations

from typing import Any

from exchange import members

from .conftest import Market, image_bytes, photo_body


async def refused(city: Market, path: str, body: Any, *, as_: str = "alice") -> dict[str, Any]:
    """Send the request; assert it was refused and wrote nothing (rows, jobs, files);
    return the error."""
    before = city.rows()
    answer = await city.post(path, body, as_=as_)
    assert 400 <= answer.status_code < 500, answer.text
    assert city.rows() == before, "nothing written"
    error: dict[str, Any] = answer.json()["error"]
    assert error["message"], "a message for people"
    return {"status": answer.status_code, **error}


def listing(**fields: Any) -> dict[str, Any]:
    return {"purpose": "offer", "title": "Bike repair", "price": "3.00", **fields}


async def test_a_negative_price_is_refused(city: Market) -> None:
    error = await refused(city, "/listings", listing(price="-3.00"))
    assert (error["status"], error["code"]) == (400, "negative_price")
    assert error["message"] == "price must not be negative (got '-3.00')"


async def test_a_price_over_a_million_units_is_refused(city: Market) -> None:
    error = await refused(city, "/listings", listing(price="99999999999"))
    assert (error["status"], error["code"]) == (400, "price_too_large")
    assert error["message"] == "price is at most 1,000,000 per unit (got '99999999999')"


async def test_a_price_of_a_million_units_is_accepted(city: Market) -> None:
    answer = await city.post("/listings", listing(price="1000000.00"), as_="alice")
    assert answer.status_code == 201, answer.text


async def test_an_unknown_category_is_refused(city: Market) -> None:
    error = await refused(city, "/listings", listing(category="spaceships"))
    assert (error["status"], error["code"], error["message"]) == (
        400,
        "unknown_category",
        "there is no category 'spaceships' in this city",
    )


async def test_a_retired_category_is_refused(city: Market) -> None:
    from exchange import categories

    city.db.write_sync(lambda s: categories.retire_category(s, "velo"))
    error = await refused(city, "/listings", listing(category="velo"))
    assert error["code"] == "unknown_category"


async def test_a_price_with_too_many_decimals_is_refused(city: Market) -> None:
    error = await refused(city, "/listings", listing(price="3.001"))
    assert (error["status"], error["code"]) == (400, "too_many_decimals")


async def test_a_price_sent_as_a_json_number_is_refused(city: Market) -> None:
    error = await refused(city, "/listings", listing(price=3))
    assert (error["code"], error["message"]) == ("invalid_field", "price must be a string or null")


async def test_a_gift_with_a_price_is_refused(city: Market) -> None:
    error = await refused(city, "/listings", listing(purpose="gift"))
    assert error["code"] == "gift_with_price"


async def test_a_missing_title_is_refused(city: Market) -> None:
    error = await refused(city, "/listings", {"purpose": "offer", "title": "  "})
    assert (error["code"], error["message"]) == ("missing_field", "title is required")


async def test_half_coordinates_are_refused(city: Market) -> None:
    error = await refused(city, "/listings", listing(latitude=48.85))
    assert error["code"] == "invalid_coordinates"


async def test_an_expiry_in_the_past_is_refused(city: Market) -> None:
    error = await refused(city, "/listings", listing(expires_at="2001-01-01T00:00:00Z"))
    assert (error["code"], error["message"]) == (
        "invalid_expiry",
        "the expiry must be in the future",
    )


async def test_a_photo_that_is_not_an_image_is_refused(city: Market) -> None:
    made = await city.listing()
    error = await refused(
        city, f"/listings/{made['id']}/photos", photo_body(b"%PDF-1.4 not an image at all")
    )
    assert (error["status"], error["code"]) == (400, "not_an_image")


async def test_a_photo_named_like_an_image_but_truncated_is_refused(city: Market) -> None:
    made = await city.listing()
    error = await refused(
        city, f"/listings/{made['id']}/photos", photo_body(image_bytes("PNG")[:60])
    )
    assert error["code"] == "not_an_image"


async def test_an_oversized_photo_is_refused(market: Any) -> None:
    city: Market = await market(
        moderation={"listing_review": "after"}, listings={"max_photo_bytes": 20_000}
    )
    city.member("alice")
    made = await city.listing()
    big = image_bytes("PNG", (400, 400)) + b"\0" * 30_000
    error = await refused(city, f"/listings/{made['id']}/photos", photo_body(big))
    assert (error["status"], error["code"], error["message"]) == (
        413,
        "photo_too_large",
        "a photo is at most 20 kB",
    )


async def test_a_photo_without_alt_text_is_refused(city: Market) -> None:
    made = await city.listing()
    error = await refused(
        city, f"/listings/{made['id']}/photos", photo_body(image_bytes(), alt=" ")
    )
    assert (error["status"], error["code"]) == (400, "alt_required")


async def test_an_offer_on_a_closed_listing_is_refused(city: Market) -> None:
    made = await city.listing()
    thread = (
        await city.post(f"/listings/{made['id']}/negotiations", {"price": "3.00"}, as_="bob")
    ).json()
    await city.post(
        f"/negotiations/{thread['id']}/offers/{thread['offers'][0]['id']}/accept", as_="alice"
    )
    city.member("carol")
    error = await refused(
        city, f"/listings/{made['id']}/negotiations", {"price": "5.00"}, as_="carol"
    )
    assert (error["status"], error["code"], error["message"]) == (
        409,
        "listing_not_open",
        "the listing is closed: it takes no offers",
    )


async def test_an_offer_from_a_suspended_member_is_refused(city: Market) -> None:
    made = await city.listing()
    city.db.write_sync(lambda s: members.suspend(s, "bob", None, "spam"))
    error = await refused(
        city, f"/listings/{made['id']}/negotiations", {"price": "3.00"}, as_="bob"
    )
    assert (error["status"], error["code"]) == (403, "suspended")


async def test_an_offer_with_a_negative_price_is_refused(city: Market) -> None:
    made = await city.listing()
    error = await refused(
        city, f"/listings/{made['id']}/negotiations", {"price": "-1.00"}, as_="bob"
    )
    assert error["code"] == "negative_price"


async def test_an_offer_for_more_than_is_left_is_refused(city: Market) -> None:
    made = await city.listing(quantity=2)
    error = await refused(city, f"/listings/{made['id']}/negotiations", {"quantity": 3}, as_="bob")
    assert (error["code"], error["message"]) == ("not_enough_left", "only 2 left, 3 asked")


async def test_an_offer_on_ones_own_listing_is_refused(city: Market) -> None:
    made = await city.listing()
    error = await refused(
        city, f"/listings/{made['id']}/negotiations", {"price": "3.00"}, as_="alice"
    )
    assert error["code"] == "own_listing"


async def test_an_offer_on_a_listing_open_to_proposals_needs_a_price_or_goods(city: Market) -> None:
    made = await city.listing(price=None)
    error = await refused(city, f"/listings/{made['id']}/negotiations", {}, as_="bob")
    assert error["code"] == "price_or_goods"
