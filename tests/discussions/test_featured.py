"""A discussion Group serves its pinned threads as `featured` (Lemmy reads a community's pins
there: an OrderedCollection of the whole Pages), in the order its page shows them, and a pin
or unpin reaches followers as the Group's `Add` / `Remove` to that collection."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from exchange import members
from exchange.discussions import SpaceDraft
from models import DiscussionThread, GroupThread, OutboundActivity, Role, SpaceAudience, utcnow
from services import discussions, social

from ..api.conftest import Client
from ..e2e.helpers import AS2, act, add_member, eventually
from .test_federation import _accepted, _announced, _space_with_thread


def _open(city: Client, slug: str, audience: SpaceAudience = SpaceAudience.federated) -> None:
    town = city.app.state.city
    draft = SpaceDraft(slug, "Bike repair", "Where?", audience)
    town.db.write_sync(lambda s: discussions.open_space(s, town, None, draft))


def _thread(city: Client, slug: str, title: str, minutes_ago: int) -> DiscussionThread:
    town = city.app.state.city

    def work(session: Any) -> DiscussionThread:
        alice = members.get_member(session, "alice")
        thread = discussions.start_thread(session, town, alice, slug, title, "text")
        thread.last_post_at = utcnow() - timedelta(minutes=minutes_ago)
        return thread

    thread: DiscussionThread = town.db.write_sync(work)
    return thread


def _moderate(city: Client, thread: DiscussionThread, action: str) -> None:
    town = city.app.state.city
    town.db.write_sync(
        lambda s: discussions.moderate_thread(
            s, town, members.get_member(s, "mayor"), thread.public_id, action
        )
    )


async def _featured(city: Client, slug: str) -> dict[str, Any]:
    group = (await city.http.get(f"/discussions/{slug}", headers=AS2)).json()
    answer = await city.http.get(group["featured"], headers=AS2)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/activity+json")
    document: dict[str, Any] = answer.json()
    return document


async def test_the_group_actor_names_its_featured_collection(city: Client) -> None:
    _open(city, "bikes")
    group = (await city.http.get("/discussions/bikes", headers=AS2)).json()
    assert group["type"] == "Group"
    assert group["featured"] == f"{group['id']}/featured"


async def test_featured_lists_the_pinned_pages_in_the_pages_order(city: Client) -> None:
    _open(city, "bikes")
    old = _thread(city, "bikes", "Old pin", minutes_ago=30)
    _thread(city, "bikes", "Not pinned", minutes_ago=1)
    recent = _thread(city, "bikes", "Recent pin", minutes_ago=5)
    _moderate(city, old, "pin")
    _moderate(city, recent, "pin")
    featured = await _featured(city, "bikes")
    assert featured["type"] == "OrderedCollection"
    assert featured["id"].endswith("/discussions/bikes/featured")
    assert featured["totalItems"] == 2
    pages = featured["orderedItems"]
    assert [page["name"] for page in pages] == ["Recent pin", "Old pin"]
    assert all(page["type"] == "Page" and page["stickied"] is True for page in pages)
    assert pages[0]["id"] == recent.uri and pages[0]["audience"].endswith("/discussions/bikes")
    assert "@context" not in pages[0]


async def test_an_unpinned_or_hidden_thread_leaves_featured(city: Client) -> None:
    _open(city, "bikes")
    first = _thread(city, "bikes", "First", minutes_ago=3)
    second = _thread(city, "bikes", "Second", minutes_ago=2)
    for thread in (first, second):
        _moderate(city, thread, "pin")
    _moderate(city, first, "unpin")
    _moderate(city, second, "hide")
    featured = await _featured(city, "bikes")
    assert (featured["totalItems"], featured["orderedItems"]) == (0, [])


async def test_a_members_only_space_features_nothing(city: Client) -> None:
    _open(city, "council", SpaceAudience.members)
    thread = _thread(city, "council", "Budget", minutes_ago=1)
    _moderate(city, thread, "pin")
    assert (await _featured(city, "council"))["orderedItems"] == []


async def test_an_unknown_space_has_no_featured_collection(city: Client) -> None:
    answer = await city.http.get("/discussions/nowhere/featured", headers=AS2)
    assert answer.status_code == 404


async def test_a_pin_is_the_moderators_add_to_featured_and_an_unpin_their_remove(
    city: Client,
) -> None:
    _open(city, "bikes")
    thread = _thread(city, "bikes", "Saturdays", minutes_ago=1)
    _moderate(city, thread, "pin")
    _moderate(city, thread, "unpin")
    bodies = city.app.state.city.db.read_sync(
        lambda s: list(
            s.scalars(
                select(OutboundActivity.body)
                .where(OutboundActivity.type.in_(("Add", "Remove")))
                .order_by(OutboundActivity.id)
            )
        )
    )
    sent = [json.loads(body) for body in bodies]
    urls = city.app.state.city.urls
    group, mayor = urls.discussion_space("bikes"), urls.member("mayor")
    assert [(a["type"], a["actor"], a["object"], a["target"]) for a in sent] == [
        ("Add", mayor, thread.uri, f"{group}/featured"),
        ("Remove", mayor, thread.uri, f"{group}/featured"),
    ]
    assert all(a["audience"] == group for a in sent)


async def test_a_pin_reaches_a_following_city_as_an_add_to_featured(start_city: Any) -> None:
    a, b = await start_city(), await start_city()
    await _space_with_thread(a)
    add_member(a, "mayor", role=Role.admin)
    add_member(b, "bob")
    group = await b.city.fediverse.directory.lookup(f"@bikes@{a.settings.domain}")
    await act(b, lambda s: social.follow(s, b.city, b.city.urls.member("bob"), group))
    await eventually(lambda: _accepted(b))
    alice = a.db.read_sync(lambda s: members.get_member(s, "alice"))
    thread = await act(
        a, lambda s: discussions.start_thread(s, a.city, alice, "bikes", "Tools", "Bring yours")
    )

    async def flag() -> bool | None:
        return await b.db.read(
            lambda s: s.scalar(select(GroupThread.pinned).where(GroupThread.group_uri == group.uri))
        )

    await eventually(lambda: _kept(flag))
    mayor = a.db.read_sync(lambda s: members.get_member(s, "mayor"))
    await act(a, lambda s: discussions.moderate_thread(s, a.city, mayor, thread.public_id, "pin"))
    [add] = await eventually(lambda: _announced(b, group.uri, "Add", thread.uri))
    assert add["object"]["target"] == f"{group.uri}/featured"
    await eventually(lambda: _is(flag, True))


async def _kept(flag: Any) -> bool:
    return await flag() is not None


async def _is(flag: Any, value: bool) -> bool:
    return await flag() is value
