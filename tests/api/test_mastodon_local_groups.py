"""This city's own discussion spaces followed from an app, in process: found by search and
lookup as Group accounts, followed and unfollowed with `/follow` (nothing federates: a row
of `space_follows`), their threads then in the member's home; members stay unfollowable.
One live test with Mastodon.py and the user stream."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api.auth import issue_token
from exchange import members, status_events
from exchange.discussions import SpaceDraft
from models import (
    Direction,
    Follow,
    FollowState,
    SpaceAudience,
    SpaceFollow,
    SpaceState,
    StatusEventKind,
)
from services import discussions

from ..e2e.helpers import act, add_member
from ..live import LiveCity
from .mastodon_city import ELSEWHERE, Masto
from .test_mastodon_py_client import _logged_in
from .test_mastodon_streaming import _events


def _space(masto: Masto, slug: str = "gardens", title: str = "Shared gardens") -> None:
    draft = SpaceDraft(slug, title, "Seeds and tools.", SpaceAudience.members)
    masto.db.write_sync(lambda s: discussions.open_space(s, masto.city, None, draft))


def _thread(masto: Masto, who: str, title: str, slug: str = "gardens") -> str:
    """A thread `who` starts in the space; returns its public id."""

    def write(session: Any) -> str:
        member = members.get_member(session, who)
        thread = discussions.start_thread(session, masto.city, member, slug, title, "Come.")
        return thread.public_id

    return masto.db.write_sync(write)


async def _group(masto: Masto, **params: Any) -> dict[str, Any]:
    """The space's account, as `/api/v2/search` finds it."""
    found = (await masto.get("/api/v2/search", "alice", type="accounts", **params)).json()
    (account,) = [a for a in found["accounts"] if a["group"]]
    return account


async def _home_titles(masto: Masto, who: str) -> list[str]:
    home = (await masto.get("/api/v1/timelines/home", who)).json()
    return [s["content"] for s in home]


@pytest.fixture
def gardens(masto: Masto) -> Masto:
    _space(masto)
    return masto


async def test_search_finds_a_space_by_name_as_a_group_account(gardens: Masto) -> None:
    account = await _group(gardens, q="garde")
    assert account["acct"] == account["username"] == "gardens"
    assert account["display_name"] == "Shared gardens"
    assert account["url"] == gardens.city.urls.discussion_space("gardens")
    assert (account["group"], account["locked"], account["bot"]) == (True, False, False)


async def test_search_finds_a_space_by_its_handle_and_by_its_url(gardens: Masto) -> None:
    by_name = await _group(gardens, q="gardens")
    handle = f"@gardens@{gardens.city.settings.domain}"
    assert (await _group(gardens, q=handle, resolve="true"))["id"] == by_name["id"]
    url = gardens.city.urls.discussion_space("gardens")
    assert (await _group(gardens, q=url, resolve="true"))["id"] == by_name["id"]


async def test_lookup_finds_a_space_by_name(gardens: Masto) -> None:
    found = await gardens.get("/api/v1/accounts/lookup", "alice", acct="gardens")
    assert found.status_code == 200
    assert found.json()["group"] is True
    shown = await gardens.get(f"/api/v1/accounts/{found.json()['id']}", "alice")
    assert shown.json()["acct"] == "gardens"


async def test_following_a_space_brings_its_threads_home(gardens: Masto) -> None:
    group = await _group(gardens, q="gardens")
    answer = await gardens.post(f"/api/v1/accounts/{group['id']}/follow", "alice")
    assert answer.status_code == 200
    assert (answer.json()["following"], answer.json()["requested"]) == (True, False)
    _thread(gardens, "bob", "Seed swap")
    (shown,) = await _home_titles(gardens, "alice")
    assert "Seed swap" in shown
    assert await _home_titles(gardens, "bob") == []  # bob follows nothing


async def test_relationships_say_following_a_space(gardens: Masto) -> None:
    group = await _group(gardens, q="gardens")
    await gardens.post(f"/api/v1/accounts/{group['id']}/follow", "alice")
    (mine,) = (await gardens.get("/api/v1/accounts/relationships", "alice", id=group["id"])).json()
    (bobs,) = (await gardens.get("/api/v1/accounts/relationships", "bob", id=group["id"])).json()
    assert (mine["id"], mine["following"], bobs["following"]) == (group["id"], True, False)


async def test_unfollowing_a_space_takes_its_threads_out_of_home(gardens: Masto) -> None:
    group = await _group(gardens, q="gardens")
    await gardens.post(f"/api/v1/accounts/{group['id']}/follow", "alice")
    _thread(gardens, "bob", "Seed swap")
    answer = await gardens.post(f"/api/v1/accounts/{group['id']}/unfollow", "alice")
    assert answer.json()["following"] is False
    assert await _home_titles(gardens, "alice") == []
    again = await gardens.post(f"/api/v1/accounts/{group['id']}/unfollow", "alice")
    assert again.status_code == 200


async def test_a_space_followed_twice_is_followed_once(gardens: Masto) -> None:
    group = await _group(gardens, q="gardens")
    for _ in range(2):
        await gardens.post(f"/api/v1/accounts/{group['id']}/follow", "alice")
    rows = gardens.db.read_sync(lambda s: list(s.scalars(select(SpaceFollow))))
    assert len(rows) == 1
    shown = (await gardens.get(f"/api/v1/accounts/{group['id']}", "bob")).json()
    assert shown["followers_count"] == 1


async def test_a_space_not_followed_keeps_its_threads_out_of_home(gardens: Masto) -> None:
    _space(gardens, "tools", "Tool library")
    group = await _group(gardens, q="gardens")
    await gardens.post(f"/api/v1/accounts/{group['id']}/follow", "alice")
    _thread(gardens, "bob", "Drill to lend", slug="tools")
    assert await _home_titles(gardens, "alice") == []


async def test_a_hidden_thread_leaves_home_and_journals_a_delete(gardens: Masto) -> None:
    group = await _group(gardens, q="gardens")
    await gardens.post(f"/api/v1/accounts/{group['id']}/follow", "alice")
    public_id = _thread(gardens, "bob", "Spam")
    (shown,) = (await gardens.get("/api/v1/timelines/home", "alice")).json()
    before = gardens.db.read_sync(status_events.latest)
    gardens.db.write_sync(
        lambda s: discussions.moderate_thread(s, gardens.city, None, public_id, "hide")
    )
    assert await _home_titles(gardens, "alice") == []

    def told(session: Any) -> list[tuple[int, StatusEventKind, bool, bool]]:
        alice, bob = members.get_member(session, "alice"), members.get_member(session, "bob")
        return [
            (
                c.status_id,
                c.kind,
                status_events.was_at_home(
                    session, alice, gardens.city.urls.member("alice"), c.status_id
                ),
                status_events.was_at_home(
                    session, bob, gardens.city.urls.member("bob"), c.status_id
                ),
            )
            for c in status_events.since(session, before, 40)
        ]

    assert gardens.db.read_sync(told) == [(int(shown["id"]), StatusEventKind.delete, True, False)]


async def test_a_spaces_statuses_are_its_threads(gardens: Masto) -> None:
    _thread(gardens, "bob", "Seed swap")
    await gardens.status("bob", "not in the space")
    group = await _group(gardens, q="gardens")
    found = (await gardens.get(f"/api/v1/accounts/{group['id']}/statuses", "alice")).json()
    assert ["Seed swap" in s["content"] for s in found] == [True]
    shown = (await gardens.get(f"/api/v1/accounts/{group['id']}", "alice")).json()
    assert shown["statuses_count"] == 1


async def test_account_search_following_keeps_followed_spaces(gardens: Masto) -> None:
    group = await _group(gardens, q="gardens")
    path = "/api/v1/accounts/search"
    assert (await gardens.get(path, "alice", q="gard", following="true")).json() == []
    await gardens.post(f"/api/v1/accounts/{group['id']}/follow", "alice")
    found = (await gardens.get(path, "alice", q="gard", following="true")).json()
    assert [a["id"] for a in found] == [group["id"]]


async def test_an_archived_space_is_not_found_nor_followed(gardens: Masto) -> None:
    group = await _group(gardens, q="gardens")
    gardens.db.write_sync(
        lambda s: discussions.set_state(s, gardens.city, None, "gardens", SpaceState.archived)
    )
    found = (await gardens.get("/api/v2/search", "alice", q="gardens")).json()
    assert found["accounts"] == []
    assert (
        await gardens.get("/api/v1/accounts/lookup", "alice", acct="gardens")
    ).status_code == 404
    answer = await gardens.post(f"/api/v1/accounts/{group['id']}/follow", "alice")
    assert answer.status_code == 422
    assert "archived" in answer.json()["error"]
    assert gardens.db.read_sync(lambda s: s.scalar(select(SpaceFollow.id))) is None


async def test_a_member_still_cannot_be_followed(gardens: Masto) -> None:
    answer = await gardens.post(f"/api/v1/accounts/{gardens.account_id('bob')}/follow", "alice")
    assert answer.status_code == 422


async def test_following_a_space_needs_the_follows_scope(gardens: Masto) -> None:
    group = await _group(gardens, q="gardens")
    reader = await gardens.scoped_token("alice", "read")
    answer = await gardens.post(f"/api/v1/accounts/{group['id']}/follow", reader)
    assert answer.status_code == 403
    assert gardens.db.read_sync(lambda s: s.scalar(select(SpaceFollow.id))) is None
    anonymous = await gardens.post(f"/api/v1/accounts/{group['id']}/follow")
    assert anonymous.status_code == 401


async def test_an_unknown_space_account_is_404(gardens: Masto) -> None:
    group = await _group(gardens, q="gardens")
    unknown = str(int(group["id"]) + 1)
    assert (await gardens.get(f"/api/v1/accounts/{unknown}", "alice")).status_code == 404
    answer = await gardens.post(f"/api/v1/accounts/{unknown}/follow", "alice")
    assert answer.status_code == 404


@pytest.mark.slow
async def test_a_space_followed_with_mastodon_py_streams_its_threads_home(
    start_city: Callable[..., Any],
) -> None:
    """alice's app finds the city's space by its URL and follows it; bob's new thread there
    reaches her user stream and her home; its hiding by a moderator is a `delete`."""
    city: LiveCity = await start_city(run_worker=False)
    add_member(city, "alice")
    add_member(city, "bob")
    draft = SpaceDraft("gardens", "Shared gardens", "", SpaceAudience.members)
    await act(city, lambda s: discussions.open_space(s, city.city, None, draft))
    alice = await asyncio.to_thread(_logged_in, city, "alice")
    found = await asyncio.to_thread(
        alice.search_v2, city.city.urls.discussion_space("gardens"), resolve=True
    )
    (group,) = found["accounts"]
    assert group["group"] is True
    relationship = await asyncio.to_thread(alice.account_follow, group["id"])
    assert relationship["following"] is True
    token = city.db.write_sync(lambda s: issue_token(s, "alice"))
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx.AsyncClient(base_url=city.url, timeout=20) as http,
        http.stream("GET", "/api/v1/streaming/user", headers=headers) as stream,
    ):
        lines = stream.aiter_lines()
        bob = city.db.read_sync(lambda s: members.get_member(s, "bob"))
        thread = await act(
            city,
            lambda s: discussions.start_thread(s, city.city, bob, "gardens", "Seed swap", "Sat."),
        )
        ((kind, shown),) = await asyncio.wait_for(_events(lines, 1), 20)
        assert (kind, shown["uri"]) == ("update", thread.uri)
        home = await asyncio.to_thread(alice.timeline_home)
        assert [s["id"] for s in home] == [shown["id"]]
        await act(
            city,
            lambda s: discussions.moderate_thread(s, city.city, None, thread.public_id, "hide"),
        )
        ((kind, gone),) = await asyncio.wait_for(_events(lines, 1), 20)
    assert (kind, str(gone)) == ("delete", shown["id"])


async def _account_id(masto: Masto, name: str) -> str:
    found = await masto.get("/api/v1/accounts/lookup", "alice", acct=name)
    identifier: str = found.json()["id"]
    return identifier


async def test_a_followed_space_is_in_the_members_following_and_counted(gardens: Masto) -> None:
    _space(gardens, "tools", "Tool library")
    carol = gardens.remote("carol")
    gardens.follows("alice", carol)
    for name in ("gardens", "tools"):
        group = await _group(gardens, q=name)
        await gardens.post(f"/api/v1/accounts/{group['id']}/follow", "alice")
    alice = await _account_id(gardens, "alice")
    listed = (await gardens.get(f"/api/v1/accounts/{alice}/following", "alice")).json()
    assert [a["acct"] for a in listed] == ["tools", "gardens", f"carol@{ELSEWHERE}"]
    shown = (await gardens.get(f"/api/v1/accounts/{alice}", "bob")).json()
    assert shown["following_count"] == 3


async def test_a_members_following_pages_spaces_and_accounts_without_loss_or_repeat(
    gardens: Masto,
) -> None:
    _space(gardens, "tools", "Tool library")
    for name in ("carol", "dan"):
        gardens.follows("alice", gardens.remote(name))
    for name in ("gardens", "tools"):
        group = await _group(gardens, q=name)
        await gardens.post(f"/api/v1/accounts/{group['id']}/follow", "alice")
    alice = await _account_id(gardens, "alice")
    path, seen = f"/api/v1/accounts/{alice}/following", []
    params: dict[str, Any] = {"limit": 3}
    while True:
        answer = await gardens.get(path, "alice", **params)
        seen += [a["username"] for a in answer.json()]
        if 'rel="next"' not in answer.headers.get("link", "") or not answer.json():
            break
        params = {"limit": 3, "max_id": answer.headers["link"].split("max_id=")[1].split(">")[0]}
    assert sorted(seen) == ["carol", "dan", "gardens", "tools"]


async def test_a_spaces_followers_are_the_members_and_remote_accounts_following_it(
    gardens: Masto,
) -> None:
    group = await _group(gardens, q="gardens")
    await gardens.post(f"/api/v1/accounts/{group['id']}/follow", "bob")
    erin = gardens.remote("erin")
    gardens.db.write_sync(
        lambda s: s.add(
            Follow(
                local_actor=gardens.city.urls.discussion_space("gardens"),
                remote_actor_id=erin,
                direction=Direction.inbound,
                state=FollowState.accepted,
                activity_uri=f"https://{ELSEWHERE}/follows/erin",
            )
        )
    )
    listed = (await gardens.get(f"/api/v1/accounts/{group['id']}/followers", "alice")).json()
    assert [a["acct"] for a in listed] == ["bob", f"erin@{ELSEWHERE}"]
    assert (await gardens.get(f"/api/v1/accounts/{group['id']}/following", "alice")).json() == []
