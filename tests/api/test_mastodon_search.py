"""`/api/v2/search`: local accounts, statuses and hashtags in process; with `resolve=true`,
remote accounts by handle and remote notes and listings by URL between two live cities,
through the federation policy."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from exchange import categories, domains, members
from exchange.discussions import SpaceDraft
from models import RemoteActor, SpaceAudience
from services import discussions

from ..e2e.helpers import add_member
from ..e2e.market import Resident
from ..live import LiveCity
from .mastodon_city import ELSEWHERE, Masto
from .test_mastodon_py_client import OPEN_MARKET, _logged_in

#: the fields Mastodon documents for Search (entities/Search) and Tag
SEARCH_FIELDS = {"accounts", "statuses", "hashtags"}
TAG_FIELDS = {"id", "name", "url", "history"}


async def _search(masto: Masto, who: str | None, **params: Any) -> dict[str, Any]:
    answer = await masto.get("/api/v2/search", who, **params)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    assert set(found) == SEARCH_FIELDS
    return found


async def test_finds_members_and_known_accounts_by_name(masto: Masto) -> None:
    masto.member("alma")
    masto.remote("alfred")
    found = await _search(masto, "bob", q="al", type="accounts")
    assert [a["acct"] for a in found["accounts"]] == ["alice", "alma", f"alfred@{ELSEWHERE}"]
    only_remote = await _search(masto, "bob", q=f"@alfred@{ELSEWHERE}")
    assert [a["acct"] for a in only_remote["accounts"]] == [f"alfred@{ELSEWHERE}"]


async def test_finds_the_statuses_the_member_may_see_by_their_words(masto: Masto) -> None:
    public = await masto.status("alice", "Fresh bread at the corner bakery")
    await masto.status("alice", "bread for friends only", visibility="private")
    listing = await masto.listing("alice", title="Bread oven to lend")
    found = await _search(masto, "bob", q="BREAD", type="statuses")
    contents = [s["content"] for s in found["statuses"]]
    assert len(contents) == 2
    assert "Bread oven to lend" in contents[0]
    assert found["statuses"][1]["id"] == public["id"]
    assert listing["title"] == "Bread oven to lend"
    mine = await _search(masto, "alice", q="bread friends", type="statuses")
    assert [s["visibility"] for s in mine["statuses"]] == ["private"]


async def test_hashtags_are_the_market_categories(masto: Masto) -> None:
    masto.db.write_sync(lambda s: categories.add_category(s, "gardening", "Gardening"))
    found = await _search(masto, "bob", q="#garden")
    (tag,) = found["hashtags"]
    assert set(tag) == TAG_FIELDS
    assert tag["name"] == "gardening"
    assert tag["url"].endswith("/tags/gardening")


async def test_without_a_token_statuses_are_not_searched(masto: Masto) -> None:
    await masto.status("alice", "bread again")
    found = await _search(masto, None, q="bread")
    assert found["statuses"] == []
    assert (await masto.get("/api/v2/search", None, q="bread", offset="5")).status_code == 401


async def test_search_needs_a_query_and_a_known_type(masto: Masto) -> None:
    assert (await masto.get("/api/v2/search", "bob")).status_code == 422
    assert (await masto.get("/api/v2/search", "bob", q="x", type="lists")).status_code == 422
    writer = await masto.scoped_token("bob", "write")
    assert (await masto.get("/api/v2/search", writer, q="x")).status_code == 403


@pytest.mark.slow
async def test_resolves_remote_accounts_notes_and_listings_through_the_policy(
    start_city: Callable[..., Any],
) -> None:
    a: LiveCity = await start_city(run_worker=False, **OPEN_MARKET)
    b: LiveCity = await start_city(run_worker=False, **OPEN_MARKET)
    add_member(a, "alice")
    bob = Resident(b, "bob")
    add_member(b, "dora")
    note = await b.http.post(
        "/api/v1/statuses",
        json={"status": "Honey harvest is in"},
        headers={"Authorization": f"Bearer {bob.token}"},
    )
    assert note.status_code == 200, note.text
    listing = await bob.ok("post", "/listings", {"purpose": "offer", "title": "Honey jar"})
    client = await asyncio.to_thread(_logged_in, a, "alice")
    handle = f"bob@{b.settings.domain}"

    def searches() -> dict[str, Any]:
        return {
            "unresolved": client.search_v2(handle, resolve=False),
            "account": client.search_v2(handle, resolve=True),
            "note": client.search_v2(note.json()["uri"], resolve=True),
            "listing": client.search_v2(listing["uri"], resolve=True),
        }

    found = await asyncio.to_thread(searches)
    assert found["unresolved"]["accounts"] == []
    assert [x["acct"] for x in found["account"]["accounts"]] == [handle]
    (kept_note,) = found["note"]["statuses"]
    assert "Honey harvest is in" in kept_note["content"]
    assert kept_note["account"]["acct"] == handle
    (kept_listing,) = found["listing"]["statuses"]
    assert "Honey jar" in kept_listing["content"]
    assert kept_listing["comptoir"]["listing"] is True

    a.db.write_sync(
        lambda s: domains.block(
            s, domains.BlockSpec(b.settings.domain), None, "open", own_domain=a.settings.domain
        )
    )
    a.city.fediverse.policy.invalidate()
    refused = await asyncio.to_thread(client.search_v2, f"dora@{b.settings.domain}", resolve=True)
    assert refused["accounts"] == []
    dora = a.db.read_sync(
        lambda s: s.scalar(select(RemoteActor).where(RemoteActor.preferred_username == "dora"))
    )
    assert dora is None


def _our_thread(masto: Masto, title: str) -> str:
    """alice's thread in a discussion space of ours; its URI."""
    draft = SpaceDraft("stalls", "Stalls", "", SpaceAudience.federated)
    masto.db.write_sync(lambda s: discussions.open_space(s, masto.city, None, draft))

    def write(session: Any) -> str:
        member = members.get_member(session, "alice")
        return discussions.start_thread(session, masto.city, member, "stalls", title, "Come.").uri

    return masto.db.write_sync(write)


@pytest.mark.parametrize("resolve", ["true", "false"])
async def test_a_discussion_thread_of_ours_is_found_by_its_url(masto: Masto, resolve: str) -> None:
    uri = _our_thread(masto, "Saturday pumpkins")
    answer = await masto.get("/api/v2/search", "bob", q=uri, resolve=resolve)
    assert answer.status_code == 200, answer.text
    (found,) = answer.json()["statuses"]
    assert found["uri"] == uri and "Saturday pumpkins" in found["content"]


async def test_an_unknown_url_of_ours_is_not_fetched_and_finds_nothing(masto: Masto) -> None:
    url = f"{masto.city.settings.base_url}/notes/does-not-exist"
    answer = await masto.get("/api/v2/search", "bob", q=url, resolve="true")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"accounts": [], "statuses": [], "hashtags": []}
    assert masto.db.read_sync(lambda s: s.scalars(select(RemoteActor)).all()) == []


async def test_discussion_threads_and_replies_are_found_by_their_words(masto: Masto) -> None:
    uri = _our_thread(masto, "Saturday pumpkins")

    def reply(session: Any) -> str:
        member = members.get_member(session, "bob")
        public_id = uri.rstrip("/").rsplit("/", 1)[1]
        return discussions.reply(session, masto.city, member, public_id, "Squash too").uri

    reply_uri = masto.db.write_sync(reply)
    found = (await masto.get("/api/v2/search", "bob", q="pumpkins", type="statuses")).json()
    assert [s["uri"] for s in found["statuses"]] == [uri]
    found = (await masto.get("/api/v2/search", "bob", q="squash", type="statuses")).json()
    assert [s["uri"] for s in found["statuses"]] == [reply_uri]
