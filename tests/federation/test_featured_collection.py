"""Reading a `featured` collection: its own items, or its first page's; at most MAX_ITEMS;
and an actor's `featured` kept only on its own host."""

from __future__ import annotations

from typing import Any

from federation.actor_document import parse_actor_document
from federation.featured_collection import MAX_ITEMS, first_page, hashtag_names, page_items

ACTOR = "https://town.example/users/bob"


def actor(**fields: Any) -> dict[str, Any]:
    return {
        "id": ACTOR,
        "type": "Person",
        "preferredUsername": "bob",
        "inbox": f"{ACTOR}/inbox",
        "publicKey": {"id": f"{ACTOR}#main-key", "owner": ACTOR, "publicKeyPem": "PEM"},
        **fields,
    }


def test_mastodons_ordered_items_are_read() -> None:
    notes = [{"id": f"{ACTOR}/notes/{i}", "type": "Note"} for i in range(2)]
    collection = {"type": "OrderedCollection", "orderedItems": notes}
    assert page_items(collection) == notes


def test_plain_items_are_read() -> None:
    assert page_items({"type": "Collection", "items": [f"{ACTOR}/notes/1"]}) == [f"{ACTOR}/notes/1"]


def test_a_paged_collection_names_its_first_page() -> None:
    collection = {"type": "OrderedCollection", "first": f"{ACTOR}/featured?page=1"}
    assert page_items(collection) is None
    assert first_page(collection) == f"{ACTOR}/featured?page=1"


def test_at_most_max_items_are_read() -> None:
    many = [f"{ACTOR}/notes/{i}" for i in range(MAX_ITEMS + 30)]
    assert page_items({"type": "OrderedCollection", "orderedItems": many}) == many[:MAX_ITEMS]


def test_a_document_that_is_no_collection_has_no_items() -> None:
    assert page_items({"type": "Note", "items": ["x"]}) is None
    assert first_page({"type": "Note", "first": "x"}) is None


def test_the_actors_featured_is_kept_on_its_own_host() -> None:
    found = parse_actor_document(actor(featured=f"{ACTOR}/collections/featured"))
    assert found.extra["featured"] == f"{ACTOR}/collections/featured"


def test_a_featured_collection_on_another_host_is_not_kept() -> None:
    found = parse_actor_document(actor(featured="https://elsewhere.example/featured"))
    assert "featured" not in found.extra


def test_the_actors_featured_tags_are_kept_on_its_own_host() -> None:
    found = parse_actor_document(actor(featuredTags=f"{ACTOR}/collections/tags"))
    assert found.extra["featuredTags"] == f"{ACTOR}/collections/tags"


def test_featured_tags_on_another_host_are_not_kept() -> None:
    found = parse_actor_document(actor(featuredTags="https://elsewhere.example/tags"))
    assert "featuredTags" not in found.extra


def test_a_featured_tags_collection_names_its_embedded_hashtags_once() -> None:
    items = [
        {"type": "Hashtag", "name": "#bread", "href": f"{ACTOR}/tags/bread"},
        {"type": "Hashtag", "name": "bread"},
        {"type": "Note", "name": "#honey"},
        f"{ACTOR}/tags/cider",
        {"type": "Hashtag", "name": "#"},
        {"type": "Hashtag", "name": "#honey"},
    ]
    assert hashtag_names(items) == ["bread", "honey"]
