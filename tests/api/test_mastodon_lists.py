"""`/api/v1/lists` and `/api/v1/timelines/list/{id}` in process: a member's lists of the
accounts they follow, as Mastodon 4.3 has them, and each list read as a timeline."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from api.mastodon import streaming
from exchange import member_lists, members
from exchange.errors import DomainError
from exchange.statuses import Viewer
from models import Interaction, Member, new_public_id

from ..conftest import postgresql_only
from ..e2e.helpers import add_member, eventually
from ..live import LiveCity
from .mastodon_city import ELSEWHERE, Masto
from .test_mastodon_py_client import _logged_in


def _account(actor_id: int) -> str:
    return str(2 * actor_id + 1)


async def _make(masto: Masto, who: str = "alice", **fields: Any) -> dict[str, Any]:
    answer = await masto.post("/api/v1/lists", who, **{"title": "Neighbours", **fields})
    assert answer.status_code == 200, answer.text
    made: dict[str, Any] = answer.json()
    return made


async def _add(masto: Masto, list_id: str, *actor_ids: int, who: str = "alice") -> httpx.Response:
    return await masto.post(
        f"/api/v1/lists/{list_id}/accounts", who, account_ids=[_account(a) for a in actor_ids]
    )


async def _delete(masto: Masto, path: str, who: str, **data: Any) -> httpx.Response:
    return await masto.http.request("DELETE", path, data=data, headers=masto.auth(who))


async def _timeline(masto: Masto, list_id: str, who: str = "alice", **params: Any) -> list[str]:
    answer = await masto.get(f"/api/v1/timelines/list/{list_id}", who, **params)
    assert answer.status_code == 200, answer.text
    return [
        s["uri"] if s["reblog"] is None else f"boost:{s['reblog']['uri']}" for s in answer.json()
    ]


def _links(answer: httpx.Response) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', answer.headers["link"])}


def _followed(masto: Masto, *names: str) -> list[int]:
    """Remote accounts alice follows."""
    found = []
    for name in names:
        actor = masto.remote(name)
        masto.follows("alice", actor)
        found.append(actor)
    return found


# ---------------------------------------------------------------------- the lists


async def test_a_new_list_has_mastodons_shape_and_defaults(masto: Masto) -> None:
    answer = await masto.http.post(
        "/api/v1/lists", data={"title": " Neighbours "}, headers=masto.auth("alice")
    )
    assert answer.status_code == 200, answer.text
    made = answer.json()
    assert made == {
        "id": made["id"],
        "title": "Neighbours",
        "replies_policy": "list",
        "exclusive": False,
    }
    assert (await masto.get("/api/v1/lists", "alice")).json() == [made]
    assert (await masto.get(f"/api/v1/lists/{made['id']}", "alice")).json() == made


async def test_a_list_is_made_with_its_policy_and_exclusive(masto: Masto) -> None:
    made = await _make(masto, replies_policy="none", exclusive=True)
    assert (made["replies_policy"], made["exclusive"]) == ("none", True)


async def test_a_blank_title_is_refused(masto: Masto) -> None:
    answer = await masto.post("/api/v1/lists", "alice", title="  ")
    assert answer.status_code == 422
    assert answer.json() == {"error": "Validation failed: Title can't be blank"}
    assert (await masto.get("/api/v1/lists", "alice")).json() == []


async def test_an_unknown_replies_policy_is_refused(masto: Masto) -> None:
    answer = await masto.post("/api/v1/lists", "alice", title="x", replies_policy="everyone")
    assert answer.status_code == 422
    assert "replies_policy" in answer.json()["error"]


async def test_an_update_changes_what_it_sends_and_keeps_the_rest(masto: Masto) -> None:
    made = await _make(masto)
    answer = await masto.http.put(
        f"/api/v1/lists/{made['id']}",
        json={"replies_policy": "followed", "exclusive": True},
        headers=masto.auth("alice"),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {**made, "replies_policy": "followed", "exclusive": True}
    renamed = await masto.http.put(
        f"/api/v1/lists/{made['id']}", data={"title": "Friends"}, headers=masto.auth("alice")
    )
    assert renamed.json() == {
        **made,
        "title": "Friends",
        "replies_policy": "followed",
        "exclusive": True,
    }


async def test_a_deleted_list_is_gone(masto: Masto) -> None:
    made = await _make(masto)
    (carol,) = _followed(masto, "carol")
    await _add(masto, made["id"], carol)
    answer = await _delete(masto, f"/api/v1/lists/{made['id']}", "alice")
    assert (answer.status_code, answer.json()) == (200, {})
    assert (await masto.get(f"/api/v1/lists/{made['id']}", "alice")).status_code == 404
    assert (await masto.get(f"/api/v1/accounts/{_account(carol)}/lists", "alice")).json() == []


async def test_another_members_list_is_not_found(masto: Masto) -> None:
    made = await _make(masto)
    path = f"/api/v1/lists/{made['id']}"
    for answer in (
        await masto.get(path, "bob"),
        await masto.http.put(path, json={"title": "mine"}, headers=masto.auth("bob")),
        await _delete(masto, path, "bob"),
        await masto.get(f"{path}/accounts", "bob"),
        await masto.get(f"/api/v1/timelines/list/{made['id']}", "bob"),
    ):
        assert (answer.status_code, answer.json()) == (404, {"error": "Record not found"})
    assert (await masto.get("/api/v1/lists", "bob")).json() == []
    assert (await masto.get(path, "alice")).json() == made


async def test_an_unknown_list_is_not_found(masto: Masto) -> None:
    assert (await masto.get("/api/v1/lists/999999", "alice")).status_code == 404
    assert (await masto.get("/api/v1/lists/nope", "alice")).status_code == 404


# ---------------------------------------------------------------------- scopes


async def test_lists_need_a_token(masto: Masto) -> None:
    assert (await masto.get("/api/v1/lists")).status_code == 401
    assert (await masto.post("/api/v1/lists", title="x")).status_code == 401


async def test_reading_lists_needs_read_lists(masto: Masto) -> None:
    made = await _make(masto)
    token = await masto.scoped_token("alice", "read:statuses write:lists")
    for path in (
        "/api/v1/lists",
        f"/api/v1/lists/{made['id']}",
        f"/api/v1/lists/{made['id']}/accounts",
        f"/api/v1/timelines/list/{made['id']}",
        f"/api/v1/accounts/{masto.account_id('alice')}/lists",
    ):
        assert (await masto.get(path, token)).status_code == 403, path
    reader = await masto.scoped_token("alice", "read:lists")
    assert (await masto.get(f"/api/v1/timelines/list/{made['id']}", reader)).status_code == 200


async def test_changing_lists_needs_write_lists(masto: Masto) -> None:
    made = await _make(masto)
    (carol,) = _followed(masto, "carol")
    token = await masto.scoped_token("alice", "read write:statuses")
    path = f"/api/v1/lists/{made['id']}"
    assert (await masto.post("/api/v1/lists", token, title="x")).status_code == 403
    assert (
        await masto.http.put(path, json={"title": "y"}, headers=masto.auth(token))
    ).status_code == 403
    assert (await _delete(masto, path, token)).status_code == 403
    assert (await _add(masto, made["id"], carol, who=token)).status_code == 403
    ids = {"account_ids[]": _account(carol)}
    assert (await _delete(masto, f"{path}/accounts", token, **ids)).status_code == 403
    assert (await masto.get(path, "alice")).json() == made
    assert (await masto.get(f"{path}/accounts", "alice")).json() == []


# ---------------------------------------------------------------------- accounts


async def test_followed_accounts_are_added_and_listed(masto: Masto) -> None:
    made = await _make(masto)
    carol, dan = _followed(masto, "carol", "dan")
    answer = await _add(masto, made["id"], carol, dan)
    assert (answer.status_code, answer.json()) == (200, {})
    listed = (await masto.get(f"/api/v1/lists/{made['id']}/accounts", "alice")).json()
    assert [a["acct"] for a in listed] == [f"dan@{ELSEWHERE}", f"carol@{ELSEWHERE}"]


async def test_an_account_not_followed_is_record_not_found_and_nothing_is_added(
    masto: Masto,
) -> None:
    made = await _make(masto)
    (carol,) = _followed(masto, "carol")
    stranger = masto.remote("erin")
    answer = await _add(masto, made["id"], carol, stranger)
    assert (answer.status_code, answer.json()) == (404, {"error": "Record not found"})
    mine = await _add(masto, made["id"], who="alice")
    assert mine.status_code == 422
    assert (await masto.get(f"/api/v1/lists/{made['id']}/accounts", "alice")).json() == []


async def test_a_member_account_cannot_be_added(masto: Masto) -> None:
    made = await _make(masto)
    answer = await masto.post(
        f"/api/v1/lists/{made['id']}/accounts", "alice", account_ids=[masto.account_id("bob")]
    )
    assert answer.status_code == 404


@postgresql_only  # SQLite runs one write transaction at a time: there is no race
async def test_an_add_that_loses_a_race_for_the_same_account_is_refused_not_a_crash(
    masto: Masto,
) -> None:
    made = await _make(masto)
    [carol] = _followed(masto, "carol")
    alice = masto.city.urls.member("alice")

    def add(session: Session) -> None:
        found = member_lists.find(session, _member_id(masto, "alice"), int(made["id"]))
        member_lists.add_accounts(session, found, alice, [carol])

    def add_racing(session: Session) -> None:
        # another request adds carol after this one's check, before its insert
        event.listen(session, "before_flush", lambda *_: masto.db.write_sync(add), once=True)
        add(session)

    with pytest.raises(DomainError) as refused:
        masto.db.write_sync(add_racing)
    assert refused.value.status == 422
    listed = await masto.get(f"/api/v1/lists/{made['id']}/accounts", "alice")
    assert [a["id"] for a in listed.json()] == [_account(carol)]


def _member_id(masto: Masto, name: str) -> int:
    return masto.db.read_sync(lambda s: members.get_member(s, name).id)


async def test_another_members_follow_does_not_count(masto: Masto) -> None:
    made = await _make(masto)
    carol = masto.remote("carol")
    masto.follows("bob", carol)
    assert (await _add(masto, made["id"], carol)).status_code == 404


async def test_an_account_already_in_the_list_is_refused(masto: Masto) -> None:
    made = await _make(masto)
    carol, dan = _followed(masto, "carol", "dan")
    await _add(masto, made["id"], carol)
    answer = await _add(masto, made["id"], dan, carol)
    assert answer.status_code == 422
    assert answer.json() == {"error": "Validation failed: Account has already been taken"}
    listed = (await masto.get(f"/api/v1/lists/{made['id']}/accounts", "alice")).json()
    assert [a["acct"] for a in listed] == [f"carol@{ELSEWHERE}"]


async def test_accounts_are_removed_from_a_form_body(masto: Masto) -> None:
    made = await _make(masto)
    carol, dan = _followed(masto, "carol", "dan")
    await _add(masto, made["id"], carol, dan)
    path = f"/api/v1/lists/{made['id']}/accounts"
    answer = await _delete(masto, path, "alice", **{"account_ids[]": _account(carol)})
    assert (answer.status_code, answer.json()) == (200, {})
    assert [a["acct"] for a in (await masto.get(path, "alice")).json()] == [f"dan@{ELSEWHERE}"]
    again = await _delete(masto, path, "alice", **{"account_ids[]": _account(carol)})
    assert again.status_code == 200


async def test_unfollowing_takes_the_account_out_of_the_members_lists(masto: Masto) -> None:
    first, second = await _make(masto), await _make(masto, title="Market")
    carol, dan = _followed(masto, "carol", "dan")
    await _add(masto, first["id"], carol, dan)
    await _add(masto, second["id"], carol)
    answer = await masto.post(f"/api/v1/accounts/{_account(carol)}/unfollow", "alice")
    assert answer.status_code == 200, answer.text
    for made, left in ((first, [f"dan@{ELSEWHERE}"]), (second, [])):
        listed = (await masto.get(f"/api/v1/lists/{made['id']}/accounts", "alice")).json()
        assert [a["acct"] for a in listed] == left


async def test_an_accounts_lists_are_the_members_lists_holding_it(masto: Masto) -> None:
    first, second = await _make(masto), await _make(masto, title="Market")
    await _make(masto, title="Empty")
    (carol,) = _followed(masto, "carol")
    await _add(masto, first["id"], carol)
    await _add(masto, second["id"], carol)
    found = (await masto.get(f"/api/v1/accounts/{_account(carol)}/lists", "alice")).json()
    assert found == [first, second]
    assert (await masto.get(f"/api/v1/accounts/{_account(carol)}/lists", "bob")).json() == []
    missing = await masto.get(f"/api/v1/accounts/{_account(99999)}/lists", "alice")
    assert missing.status_code == 404


async def test_a_lists_accounts_are_paged_with_link_headers(masto: Masto) -> None:
    made = await _make(masto)
    actors = _followed(masto, "carol", "dan", "erin")
    await _add(masto, made["id"], *actors)
    path = f"/api/v1/lists/{made['id']}/accounts"
    first = await masto.get(path, "alice", limit=2)
    assert [a["username"] for a in first.json()] == ["erin", "dan"]
    following = await masto.http.get(_links(first)["next"], headers=masto.auth("alice"))
    assert [a["username"] for a in following.json()] == ["carol"]
    back = await masto.http.get(_links(following)["prev"], headers=masto.auth("alice"))
    assert [a["username"] for a in back.json()] == ["erin", "dan"]
    everyone = await masto.get(path, "alice", limit=0)
    assert [a["username"] for a in everyone.json()] == ["erin", "dan", "carol"]


# ---------------------------------------------------------------------- the timeline


async def test_the_timeline_holds_the_list_accounts_statuses_and_reblogs(masto: Masto) -> None:
    made = await _make(masto)
    carol, dan = _followed(masto, "carol", "dan")
    await _add(masto, made["id"], carol)
    original = masto.remote_note(dan, "from dan")
    said = masto.remote_note(carol, "from carol")
    listing = masto.remote_listing(carol, "Honey jar")
    masto.db.write_sync(
        lambda s: s.add(
            Interaction(
                activity_uri=f"https://{ELSEWHERE}/announces/{new_public_id()}",
                type="Announce",
                remote_actor_id=carol,
                object_uri=original,
            )
        )
    )
    await masto.status("alice", "mine")
    assert await _timeline(masto, made["id"]) == [f"boost:{original}", listing, said]


async def test_the_timeline_shows_only_what_the_member_may_see(masto: Masto) -> None:
    made = await _make(masto)
    (carol,) = _followed(masto, "carol")
    await _add(masto, made["id"], carol)
    private = masto.remote_note(carol, "followers", visibility="followers")
    masto.remote_note(carol, "to someone else", visibility="direct")
    assert await _timeline(masto, made["id"]) == [private]


async def test_the_timeline_pages_as_mastodon_pages(masto: Masto) -> None:
    made = await _make(masto)
    (carol,) = _followed(masto, "carol")
    await _add(masto, made["id"], carol)
    said = [masto.remote_note(carol, f"note {i}") for i in range(5)]
    path = f"/api/v1/timelines/list/{made['id']}"
    first = await masto.get(path, "alice", limit=2)
    assert [s["uri"] for s in first.json()] == [said[4], said[3]]
    older = await masto.http.get(_links(first)["next"], headers=masto.auth("alice"))
    assert [s["uri"] for s in older.json()] == [said[2], said[1]]
    ids = [s["id"] for s in older.json()]
    above = await masto.get(path, "alice", min_id=ids[1], limit=2)
    assert [s["uri"] for s in above.json()] == [said[3], said[2]]
    since = await masto.get(path, "alice", since_id=ids[1], limit=2)
    assert [s["uri"] for s in since.json()] == [said[4], said[3]]


async def _replies(masto: Masto, policy: str) -> set[str]:
    """What a list of carol with `policy` shows of carol's replies to: herself, alice,
    dan (followed, not in the list), erin (in the list) and a stranger."""
    made = await _make(masto, replies_policy=policy)
    carol, dan, erin = _followed(masto, "carol", "dan", "erin")
    stranger = masto.remote("frank")
    await _add(masto, made["id"], carol, erin)
    own = masto.remote_note(carol, "thread")
    alices = (await masto.status("alice", "question"))["uri"]
    parents = {
        "self": own,
        "member": alices,
        "followed": masto.remote_note(dan, "dan says"),
        "listed": masto.remote_note(erin, "erin says"),
        "stranger": masto.remote_note(stranger, "frank says"),
    }
    replies = {masto.remote_note(carol, f"re {k}", in_reply_to=v): k for k, v in parents.items()}
    shown = await _timeline(masto, made["id"], limit=40)
    return {replies[uri] for uri in shown if uri in replies}


async def test_replies_policy_list_shows_replies_to_the_list(masto: Masto) -> None:
    assert await _replies(masto, "list") == {"self", "member", "listed"}


async def test_replies_policy_followed_shows_replies_to_followed_accounts(masto: Masto) -> None:
    assert await _replies(masto, "followed") == {"self", "member", "listed", "followed"}


async def test_replies_policy_none_shows_only_replies_to_the_member(masto: Masto) -> None:
    assert await _replies(masto, "none") == {"self", "member"}


async def test_an_exclusive_list_takes_its_accounts_out_of_home(masto: Masto) -> None:
    made = await _make(masto, exclusive=True)
    carol, dan = _followed(masto, "carol", "dan")
    await _add(masto, made["id"], carol)
    listed = masto.remote_note(carol, "from carol")
    home_only = masto.remote_note(dan, "from dan")
    home = (await masto.get("/api/v1/timelines/home", "alice")).json()
    assert [s["uri"] for s in home] == [home_only]
    assert await _timeline(masto, made["id"]) == [listed]


async def test_a_list_not_exclusive_leaves_home_as_it_is(masto: Masto) -> None:
    made = await _make(masto)
    (carol,) = _followed(masto, "carol")
    await _add(masto, made["id"], carol)
    said = masto.remote_note(carol, "from carol")
    home = (await masto.get("/api/v1/timelines/home", "alice")).json()
    assert [s["uri"] for s in home] == [said]


# ---------------------------------------------------------------------- streaming


async def test_a_list_stream_sends_new_statuses_of_the_list_accounts(masto: Masto) -> None:
    made = await _make(masto)
    carol, dan = _followed(masto, "carol", "dan")
    await _add(masto, made["id"], carol)
    alice = masto.db.read_sync(lambda s: s.get(Member, masto.member_id("alice")))
    viewer = Viewer(alice, masto.city.urls.member("alice"))
    listener = streaming.Listener(masto.city, viewer, {f"list:{made['id']}"})
    await listener.start()
    said = masto.remote_note(carol, "from carol")
    masto.remote_note(dan, "from dan")
    events = await listener.events()
    assert [(stream, event) for stream, event, _ in events] == [(f"list:{made['id']}", "update")]
    assert orjson.loads(events[0][2])["uri"] == said
    assert streaming._stream_field(events[0][0]) == ["list", made["id"]]


async def test_streaming_another_members_list_is_refused(masto: Masto) -> None:
    made = await _make(masto)
    answer = await masto.get("/api/v1/streaming/list", "bob", list=made["id"])
    assert (answer.status_code, answer.json()) == (
        401,
        {"error": "Not authorized to stream this list"},
    )
    assert (await masto.get("/api/v1/streaming/list", list=made["id"])).status_code == 401


@pytest.mark.slow
async def test_mastodon_py_lists_a_followed_account_of_another_city_and_reads_it(
    start_city: Callable[..., Any],
) -> None:
    a: LiveCity = await start_city()
    b: LiveCity = await start_city()
    add_member(a, "alice")
    add_member(b, "bob")
    alice = await asyncio.to_thread(_logged_in, a, "alice")
    bob_app = await asyncio.to_thread(_logged_in, b, "bob")
    bob = await asyncio.to_thread(alice.account_lookup, f"bob@{b.settings.domain}")
    await asyncio.to_thread(alice.account_follow, bob["id"])

    async def following() -> bool:
        (rel,) = await asyncio.to_thread(alice.account_relationships, bob["id"])
        return bool(rel["following"])

    await eventually(following)
    made = await asyncio.to_thread(alice.list_create, "Other town")
    await asyncio.to_thread(alice.list_accounts_add, made["id"], [bob["id"]])
    listed = await asyncio.to_thread(alice.list_accounts, made["id"])
    assert [account["acct"] for account in listed] == [f"bob@{b.settings.domain}"]
    said = await asyncio.to_thread(bob_app.status_post, "Market day on Saturday")

    async def in_the_list() -> list[Any]:
        shown = await asyncio.to_thread(alice.timeline_list, made["id"])
        return [s for s in shown if s["uri"] == said["uri"]]

    (status,) = await eventually(in_the_list)
    assert "Market day" in status["content"]
    assert [lst["id"] for lst in await asyncio.to_thread(alice.account_lists, bob["id"])] == [
        made["id"]
    ]
