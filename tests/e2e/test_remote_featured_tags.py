"""A remote account's featured hashtags, between two live cities over loopback: bob of city
B features hashtags; city A reads his `featuredTags` collection when it fetches bob (the
`actor.featured` job) and answers `/api/v1/accounts/{id}/featured_tags` of bob's account
with them, counting the statuses of his it keeps."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from exchange import remote_featured_tags
from instance.directory import FEATURED_TAG_NAMES
from models import RemoteActor

from .helpers import add_member, eventually
from .test_remote_pins import Bob

pytestmark = pytest.mark.slow


async def feature(bob: Bob, name: str) -> None:
    answer = await bob.b.http.post(
        "/api/v1/featured_tags", data={"name": name}, headers=bob.headers
    )
    assert answer.status_code == 200, answer.text


async def shown_at(a: Any, actor: RemoteActor) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=a.url, timeout=10) as http:
        answer = await http.get(f"/api/v1/accounts/{2 * actor.id + 1}/featured_tags")
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


async def test_featured_hashtags_are_read_when_the_actor_is_fetched(start_city: Any) -> None:
    a, b = await start_city(), await start_city()
    add_member(b, "bob")
    bob = Bob(b)
    await feature(bob, "#Bread")
    await feature(bob, "honey")
    actor = await a.city.fediverse.directory.lookup(f"@bob@{b.settings.domain}")

    async def names() -> list[str]:
        return [t["name"] for t in await shown_at(a, actor)]

    assert sorted(await eventually(names)) == ["bread", "honey"]
    (bread,) = [t for t in await shown_at(a, actor) if t["name"] == "bread"]
    assert bread["url"] == a.city.urls.tag("bread")
    assert (bread["statuses_count"], bread["last_status_at"]) == ("0", None)


def test_names_are_kept_valid_and_once_at_most_ten() -> None:
    raw = ["#Bread", "bread", "not a tag", "#", *[f"t{i}" for i in range(12)]]
    kept = remote_featured_tags.kept_names(raw)
    assert kept[0] == "bread" and "not a tag" not in kept and len(kept) == 10


def test_an_actor_without_featured_tags_shows_none() -> None:
    actor = RemoteActor(uri="https://x.example/users/y", extra={})
    assert remote_featured_tags.names_of(actor) == []
    remote_featured_tags.keep(actor, ["bread"])
    assert actor.extra == {FEATURED_TAG_NAMES: ["bread"]}
