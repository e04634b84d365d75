"""Project photos over the JSON API: sent as a listing's (same body, same refusals), kept on the
project, served from the media store, and federated as the Page's Image attachments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from models import utcnow

from ..listings.conftest import image_bytes, photo_body
from ..openapi_answers import check_answer
from .conftest import API, Client

AS2 = "application/activity+json"


async def _draft(city: Client, slug: str = "garden") -> None:
    deadline = (utcnow() + timedelta(days=3)).isoformat()
    proposal = {"slug": slug, "title": "Garden", "goal": "10.00", "deadline": deadline}
    assert (await city.post("/projects", proposal, as_="alice")).status_code == 201


async def test_the_owner_adds_a_photo_that_is_served_and_federated_with_its_alt_text(
    city: Client,
) -> None:
    await _draft(city)
    added = await city.post(
        "/projects/garden/photos", photo_body(image_bytes(), "Seedlings"), "alice"
    )
    assert added.status_code == 201, added.text
    (photo,) = added.json()["photos"]
    assert photo["alt"] == "Seedlings" and photo["media_type"] == "image/png"
    served = await city.http.get("/" + photo["url"].split("/", 3)[3])
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"

    assert (await city.post("/projects/garden/approve", {}, as_="mayor")).status_code == 200
    page = (await city.http.get("/projects/garden", headers={"Accept": AS2})).json()
    (image,) = page["attachment"]
    assert image["type"] == "Image" and image["name"] == "Seedlings"
    assert image["url"] == photo["url"] and image["mediaType"] == "image/png"


async def test_the_owner_removes_a_photo(city: Client) -> None:
    await _draft(city)
    await city.post("/projects/garden/photos", photo_body(image_bytes()), "alice")
    gone = await city.http.delete(API + "/projects/garden/photos/1", headers=city.auth("alice"))
    assert gone.status_code == 200 and gone.json()["photos"] == []


async def test_someone_else_cannot_add_a_photo(city: Client) -> None:
    await _draft(city)
    refused = await city.post("/projects/garden/photos", photo_body(image_bytes()), "bob")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "forbidden")


async def test_a_file_that_is_not_an_image_is_refused_as_for_a_listing(city: Client) -> None:
    await _draft(city)
    refused = await city.post("/projects/garden/photos", photo_body(b"%PDF-1.4 no"), "alice")
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "not_an_image")


async def test_a_photo_without_alt_text_is_refused(city: Client) -> None:
    await _draft(city)
    refused = await city.post("/projects/garden/photos", photo_body(image_bytes(), " "), "alice")
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "alt_required")


async def test_an_oversized_photo_is_refused_as_for_a_listing(
    api: Callable[..., Any],
) -> None:
    city: Client = await api(listings={"max_photo_bytes": 20_000})
    city.member("alice")
    await _draft(city)
    big = image_bytes("PNG", (400, 400)) + b"\0" * 30_000
    refused = await city.post("/projects/garden/photos", photo_body(big), "alice")
    assert (refused.status_code, refused.json()["error"]["code"]) == (413, "photo_too_large")


async def test_a_fifth_photo_is_refused(city: Client) -> None:
    await _draft(city)
    for _ in range(4):
        await city.post("/projects/garden/photos", photo_body(image_bytes()), "alice")
    fifth = await city.post("/projects/garden/photos", photo_body(image_bytes()), "alice")
    assert (fifth.status_code, fifth.json()["error"]["code"]) == (409, "too_many_photos")
    assert fifth.json()["error"]["message"] == "a project has at most 4 photos"


async def test_the_photo_answers_match_the_openapi_document(city: Client) -> None:
    doc = (await city.http.get(API + "/openapi.json")).json()
    await _draft(city)
    added = await city.post("/projects/garden/photos", photo_body(image_bytes()), "alice")
    check_answer(doc, "/projects/{slug}/photos", "post", added)
    refused = await city.post("/projects/garden/photos", photo_body(b"no"), "alice")
    check_answer(doc, "/projects/{slug}/photos", "post", refused)
    gone = await city.http.delete(API + "/projects/garden/photos/1", headers=city.auth("alice"))
    check_answer(doc, "/projects/{slug}/photos/{n}", "delete", gone)
    shown = await city.get("/projects", as_="alice")
    check_answer(doc, "/projects", "get", shown)
