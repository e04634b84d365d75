"""An actor's `featured` collection (its pinned posts), and its `featuredTags` (the hashtags
its profile shows), as servers publish them.

Mastodon serves an `OrderedCollection` whose `orderedItems` are the whole Notes, newest pin
first; other servers send the ids only, or page the collection (`first`, embedded or a
link). Only the items of the collection itself or of its first page are read, at most
`MAX_ITEMS`: a profile shows a handful of pins (Mastodon five), and reading further would
let one actor make us fetch without end.
"""

from __future__ import annotations

from typing import Any

#: items of a featured collection looked at (the rest are not read)
MAX_ITEMS = 20
COLLECTION_TYPES = frozenset(
    {"Collection", "OrderedCollection", "CollectionPage", "OrderedCollectionPage"}
)


def is_collection(document: Any) -> bool:
    return isinstance(document, dict) and document.get("type") in COLLECTION_TYPES


def page_items(document: Any) -> list[Any] | None:
    """The items a collection or page holds itself (None: it holds none, look at `first`),
    at most `MAX_ITEMS`: embedded objects or ids, as sent."""
    if not is_collection(document):
        return None
    items = document.get("orderedItems", document.get("items"))
    if items is None:
        return None
    listed = items if isinstance(items, list) else [items]
    return listed[:MAX_ITEMS]


def first_page(document: Any) -> Any:
    """The collection's first page: an embedded page, a link to it, or None."""
    return document.get("first") if is_collection(document) else None


def hashtag_names(items: list[Any]) -> list[str]:
    """The names of the embedded `Hashtag` objects of a `featuredTags` collection, without
    `#`, in order, each once (a tag is not an object one fetches by its id)."""
    names: list[str] = []
    for item in items:
        if isinstance(item, dict) and item.get("type") == "Hashtag":
            name = item.get("name")
            if isinstance(name, str) and name.lstrip("#") and name.lstrip("#") not in names:
                names.append(name.lstrip("#"))
    return names
