"""The market's part of the OpenAPI document: every route described,
real answers match their schemas."""

from __future__ import annotations

from typing import Any

from openapi_spec_validator import validate

from api.openapi import PREFIX
from api.routes import served

from ..openapi_answers import check_answer
from .conftest import Market, image_bytes, photo_body

Json = dict[str, Any]
MINE = ("/listings", "/categories", "/moderation", "/negotiations", "/notifications")


async def document(city: Market) -> Json:
    answer = await city.http.get(f"{PREFIX}/openapi.json")
    result: Json = answer.json()
    return result


async def test_the_document_stays_valid_openapi(city: Market) -> None:
    validate(await document(city))


async def test_every_market_route_is_described(city: Market) -> None:
    doc = await document(city)
    mine = {
        (r.path, m.lower())
        for r in served()
        for m in r.methods or ()
        if m != "HEAD" and r.path.startswith(MINE)
    }
    described = {(p, m) for p, item in doc["paths"].items() for m in item}
    assert mine and mine <= described


async def test_real_answers_match_their_schemas(city: Market) -> None:
    doc = await document(city)
    listing = await city.listing(category="velo")
    lid = listing["id"]
    calls: list[tuple[str, str, Any]] = [
        ("/listings", "get", city.get("/listings", q="bike")),
        ("/listings", "get", city.get("/listings", purpose="nothing")),
        (
            "/listings",
            "post",
            city.post("/listings", {"purpose": "offer", "title": "x", "price": "-1"}, as_="alice"),
        ),
        ("/listings/mine", "get", city.get("/listings/mine", as_="alice")),
        ("/listings/{id}", "get", city.get(f"/listings/{lid}")),
        ("/listings/{id}", "get", city.get("/listings/nothing")),
        ("/listings/{id}", "patch", city.patch(f"/listings/{lid}", {"quantity": 2}, as_="alice")),
        (
            "/listings/{id}/photos",
            "post",
            city.post(f"/listings/{lid}/photos", photo_body(image_bytes()), as_="alice"),
        ),
        (
            "/listings/{id}/photos",
            "post",
            city.post(f"/listings/{lid}/photos", photo_body(b"x"), as_="alice"),
        ),
        ("/categories", "get", city.get("/categories")),
        (
            "/categories",
            "post",
            city.post("/categories", {"slug": "jardin", "name": "Garden"}, as_="mayor"),
        ),
        ("/moderation/listings", "get", city.get("/moderation/listings", as_="mod")),
        (
            "/listings/{id}/negotiations",
            "post",
            city.post(f"/listings/{lid}/negotiations", {"quantity": 1}, as_="bob"),
        ),
        ("/negotiations", "get", city.get("/negotiations", as_="bob")),
        ("/notifications", "get", city.get("/notifications", as_="alice")),
        (
            "/notifications/read",
            "post",
            city.post("/notifications/read", {"up_to": "1"}, as_="alice"),
        ),
    ]
    for template, method, call in calls:
        check_answer(doc, template, method, await call)
    thread = (await city.get("/negotiations", as_="bob")).json()["negotiations"][0]
    tid, oid = thread["id"], thread["offers"][0]["id"]
    more: list[tuple[str, str, Any]] = [
        ("/negotiations/{id}", "get", city.get(f"/negotiations/{tid}", as_="alice")),
        (
            "/negotiations/{id}/messages",
            "post",
            city.post(f"/negotiations/{tid}/messages", {"text": "hi"}, as_="alice"),
        ),
        (
            "/negotiations/{id}/offers/{offer}/accept",
            "post",
            city.post(f"/negotiations/{tid}/offers/{oid}/accept", as_="bob"),
        ),
        (
            "/negotiations/{id}/offers/{offer}/accept",
            "post",
            city.post(f"/negotiations/{tid}/offers/{oid}/accept", as_="alice"),
        ),
        (
            "/negotiations/{id}/agreement/pay",
            "post",
            city.post(f"/negotiations/{tid}/agreement/pay", as_="alice"),
        ),
        (
            "/negotiations/{id}/agreement/pay",
            "post",
            city.post(f"/negotiations/{tid}/agreement/pay", as_="bob"),
        ),
        (
            "/negotiations/{id}/agreement/pay",
            "post",
            city.post(f"/negotiations/{tid}/agreement/pay", as_="bob"),
        ),
        ("/listings/{id}/withdraw", "post", city.post(f"/listings/{lid}/withdraw", as_="alice")),
    ]
    for template, method, call in more:
        check_answer(doc, template, method, await call)
