"""What Tusky and Elk call at start-up and on their main screens, through the real client
Mastodon.py against a live city on loopback HTTP: every call answers, in Mastodon's shape
(docs/MASTODON_API.md lists them). Lists Comptoir has nothing behind are empty; the
favourites, bookmarks and pins, the accounts that favourited or boosted a status, account
search, a tag and the avatar's removal are real."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from mastodon import Mastodon
from sqlalchemy import select

from models import OutboundActivity

from ..e2e.helpers import add_member
from ..listings.conftest import image_bytes
from ..live import LiveCity
from .test_mastodon_py_client import _logged_in

pytestmark = pytest.mark.slow


async def test_the_start_up_and_main_screen_calls_answer_in_shape(
    start_city: Callable[..., Any],
) -> None:
    city: LiveCity = await start_city(run_worker=False)
    add_member(city, "alice")
    client = await asyncio.to_thread(_logged_in, city, "alice")

    def calls() -> dict[str, Any]:
        me = client.account_verify_credentials()
        return {
            "announcements": client.announcements(),
            "trending_tags": client.trending_tags(),
            "trending_statuses": client.trending_statuses(),
            "trending_links": client.trending_links(),
            "suggestions": client.suggestions(),
            "followed_tags": client.followed_tags(),
            "featured_tags": client.featured_tags(),
            "account_featured_tags": client.account_featured_tags(me["id"]),
            "endorsements": client.endorsements(),
            "bookmarks": client.bookmarks(),
            "blocks": client.blocks(),
            "mutes": client.mutes(),
            "domain_blocks": client.domain_blocks(),
            "scheduled_statuses": client.scheduled_statuses(),
            "account_lists": client.account_lists(me["id"]),
            "familiar": client.account_familiar_followers(me["id"]),
            "policy": client.notifications_policy(),
        }

    got = await asyncio.to_thread(calls)
    for name in (
        "announcements",
        "trending_tags",
        "trending_statuses",
        "trending_links",
        "suggestions",
        "followed_tags",
        "featured_tags",
        "account_featured_tags",
        "endorsements",
        "bookmarks",
        "blocks",
        "mutes",
        "domain_blocks",
        "scheduled_statuses",
        "account_lists",
    ):
        assert list(got[name]) == [], name
    (familiar,) = got["familiar"]
    assert familiar["accounts"] == []
    assert got["policy"]["for_not_following"] == "accept"
    assert got["policy"]["summary"]["pending_requests_count"] == 0


async def test_favourites_and_who_favourited_and_boosted(start_city: Callable[..., Any]) -> None:
    city: LiveCity = await start_city(run_worker=False)
    add_member(city, "alice")
    add_member(city, "bob")
    alice = await asyncio.to_thread(_logged_in, city, "alice")
    bob = await asyncio.to_thread(_logged_in, city, "bob")

    def session() -> dict[str, Any]:
        first = alice.status_post("Seeds to share")
        second = alice.status_post("Jam for sale")
        bob.status_favourite(first["id"])
        bob.status_favourite(second["id"])
        bob.status_reblog(second["id"])
        page = bob.favourites(limit=1)
        return {
            "first": first,
            "second": second,
            "page": page,
            "next": bob.fetch_next(page),
            "favourited_by": alice.status_favourited_by(second["id"]),
            "reblogged_by": alice.status_reblogged_by(second["id"]),
            "nobody": alice.status_reblogged_by(first["id"]),
            "alice_favourites": alice.favourites(),
        }

    got = await asyncio.to_thread(session)
    assert [s["id"] for s in got["page"]] == [got["second"]["id"]]
    assert [s["id"] for s in got["next"]] == [got["first"]["id"]]
    assert got["page"][0]["favourited"] is True
    assert [a["acct"] for a in got["favourited_by"]] == ["bob"]
    assert [a["acct"] for a in got["reblogged_by"]] == ["bob"]
    assert list(got["nobody"]) == [] and list(got["alice_favourites"]) == []


async def test_bookmarks_and_pins_with_mastodon_py(start_city: Callable[..., Any]) -> None:
    city: LiveCity = await start_city(run_worker=False)
    add_member(city, "alice")
    add_member(city, "bob")
    alice = await asyncio.to_thread(_logged_in, city, "alice")
    bob = await asyncio.to_thread(_logged_in, city, "bob")

    def session() -> dict[str, Any]:
        first = alice.status_post("Seeds to share")
        second = alice.status_post("Jam for sale")
        bob.status_bookmark(first["id"])
        marked = bob.status_bookmark(second["id"])
        page = bob.bookmarks(limit=1)
        later = bob.fetch_next(page)
        bob.status_unbookmark(first["id"])
        pinned = alice.status_pin(first["id"])
        return {
            "first": first,
            "second": second,
            "marked": marked,
            "page": page,
            "next": later,
            "after": bob.bookmarks(),
            "pinned": pinned,
            "pins": bob.account_statuses(first["account"]["id"], pinned=True),
            "unpinned": alice.status_unpin(first["id"]),
        }

    got = await asyncio.to_thread(session)
    assert got["marked"]["bookmarked"] is True
    assert [s["id"] for s in got["page"]] == [got["second"]["id"]]
    assert [s["id"] for s in got["next"]] == [got["first"]["id"]]
    assert [s["id"] for s in got["after"]] == [got["second"]["id"]]
    assert got["pinned"]["pinned"] is True and got["unpinned"]["pinned"] is False
    assert [(s["id"], s["pinned"]) for s in got["pins"]] == [(got["first"]["id"], False)]


async def test_who_favourited_a_status_nobody_may_see_is_404(
    start_city: Callable[..., Any],
) -> None:
    city: LiveCity = await start_city(run_worker=False)
    add_member(city, "alice")
    alice = await asyncio.to_thread(_logged_in, city, "alice")
    posted = await asyncio.to_thread(alice.status_post, "Only for me", visibility="direct")
    answer = await city.http.get(f"/api/v1/statuses/{posted['id']}/favourited_by")
    assert answer.status_code == 404
    assert answer.json() == {"error": "Record not found"}


async def test_account_search_tag_and_pinned_statuses(start_city: Callable[..., Any]) -> None:
    city: LiveCity = await start_city(run_worker=False)
    add_member(city, "alice")
    add_member(city, "albert")
    client = await asyncio.to_thread(_logged_in, city, "alice")

    def session() -> dict[str, Any]:
        me = client.account_verify_credentials()
        client.status_post("Not pinned")
        return {
            "search": client.account_search("al"),
            "following": client.account_search("al", following=True),
            "tag": client.tag("bikes"),
            "pinned": client.account_statuses(me["id"], pinned=True),
            "statuses": client.account_statuses(me["id"]),
        }

    got = await asyncio.to_thread(session)
    assert sorted(a["acct"] for a in got["search"]) == ["albert", "alice"]
    assert list(got["following"]) == []
    assert got["tag"]["name"] == "bikes" and got["tag"]["following"] is False
    assert got["tag"]["url"].endswith("/tags/bikes")
    assert list(got["pinned"]) == [] and len(got["statuses"]) == 1


async def test_removing_the_avatar_federates_and_removes_the_file(
    start_city: Callable[..., Any],
) -> None:
    city: LiveCity = await start_city(run_worker=False)
    add_member(city, "alice")
    client: Mastodon = await asyncio.to_thread(_logged_in, city, "alice")

    def session() -> dict[str, Any]:
        picture = io.BytesIO(image_bytes("PNG", size=(48, 48)))
        with_avatar = client.account_update_credentials(
            avatar=picture, avatar_mime_type="image/png"
        )
        return {
            "with": with_avatar,
            "without": client.account_delete_avatar(),
            "again": client.account_delete_avatar(),
            "header": client.account_delete_header(),
        }

    got = await asyncio.to_thread(session)
    old = got["with"]["avatar"]
    assert "/media/" in old
    assert got["without"]["avatar"].endswith("/static/avatar.svg")
    assert got["without"]["avatar_static"] == got["without"]["avatar"]
    assert got["again"]["avatar"] == got["without"]["avatar"]
    assert got["header"]["header"].endswith("/static/missing.png")
    assert (await city.http.get(old)).status_code == 404
    updates = city.db.read_sync(
        lambda s: [
            json.loads(body)
            for body in s.scalars(
                select(OutboundActivity.body)
                .where(OutboundActivity.type == "Update")
                .order_by(OutboundActivity.id)
            )
        ]
    )
    assert len(updates) == 2  # the avatar set, then removed; the second removal sends nothing
    assert updates[0]["object"]["icon"]["url"] == old
    assert updates[-1]["object"]["icon"]["url"].endswith("/static/avatar.svg")


async def test_removing_the_avatar_needs_write_accounts(start_city: Callable[..., Any]) -> None:
    city: LiveCity = await start_city(run_worker=False)
    add_member(city, "alice")
    reader = await asyncio.to_thread(_logged_in, city, "alice", ["read"])
    answer = await city.http.delete(
        "/api/v1/profile/avatar", headers={"Authorization": f"Bearer {reader.access_token}"}
    )
    assert answer.status_code == 403
    assert (await city.http.delete("/api/v1/profile/avatar")).status_code == 401
