"""Pins from an app, in process: `/pin` and `/unpin` of the member's own public or unlisted
statuses (Mastodon's 422s for the others, five at most), `pinned` for the owner,
`?pinned=true` of an account's statuses, the actor's `featured` collection and the
`Add` / `Remove` to it delivered to the member's followers. One live test: a pin made with
Mastodon.py reaches a follower's city."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from exchange import remote_pins, status_pins
from models import Direction, InboundActivity, Job, OutboundActivity, RemoteActor

from ..e2e.helpers import add_member, eventually
from ..live import LiveCity
from .mastodon_city import Masto
from .test_mastodon_local_groups import _space, _thread
from .test_mastodon_py_client import OPEN_MARKET, _logged_in

AS2 = {"Accept": "application/activity+json"}


async def _pin(masto: Masto, who: str, sid: str, undo: bool = False) -> httpx.Response:
    return await masto.post(f"/api/v1/statuses/{sid}/{'unpin' if undo else 'pin'}", who)


async def _pinned(masto: Masto, owner: str, viewer: str | None = None) -> list[dict[str, Any]]:
    path = f"/api/v1/accounts/{masto.account_id(owner)}/statuses"
    found: list[dict[str, Any]] = (await masto.get(path, viewer, pinned="true")).json()
    return found


def _sent(masto: Masto, kind: str) -> list[dict[str, Any]]:
    bodies = masto.db.read_sync(
        lambda s: list(
            s.scalars(
                select(OutboundActivity.body)
                .where(OutboundActivity.type == kind)
                .order_by(OutboundActivity.id)
            )
        )
    )
    return [json.loads(b) for b in bodies]


def _inboxes(masto: Masto, activity_uri: str) -> list[str]:
    def read(session: Any) -> list[str]:
        record = session.scalar(
            select(OutboundActivity).where(OutboundActivity.uri == activity_uri)
        )
        jobs = session.scalars(select(Job).where(Job.kind == "deliver"))
        return [j.payload["inbox"] for j in jobs if j.payload["activity"] == record.id]

    return masto.db.read_sync(read)


async def test_pinning_marks_the_status_pinned_for_its_owner(masto: Masto) -> None:
    note = await masto.status("alice", "Opening hours")
    answer = await _pin(masto, "alice", note["id"])
    assert (answer.status_code, answer.json()["pinned"]) == (200, True)
    own = (await masto.get(f"/api/v1/statuses/{note['id']}", "alice")).json()
    assert own["pinned"] is True
    assert (await masto.get(f"/api/v1/statuses/{note['id']}", "bob")).json()["pinned"] is False


async def test_an_accounts_pinned_statuses_are_its_pins_newest_first(masto: Masto) -> None:
    first = await masto.status("alice", "one")
    second = await masto.status("alice", "two", visibility="unlisted")
    await masto.status("alice", "not pinned")
    await _pin(masto, "alice", second["id"])
    await _pin(masto, "alice", first["id"])
    assert [s["id"] for s in await _pinned(masto, "alice", "bob")] == [first["id"], second["id"]]
    assert [s["id"] for s in await _pinned(masto, "alice")] == [first["id"], second["id"]]
    answer = await masto.get(
        f"/api/v1/accounts/{masto.account_id('alice')}/statuses", pinned="true"
    )
    assert "link" not in answer.headers


async def test_a_later_page_of_pins_is_empty(masto: Masto) -> None:
    note = await masto.status("alice", "one")
    await _pin(masto, "alice", note["id"])
    path = f"/api/v1/accounts/{masto.account_id('alice')}/statuses"
    assert (await masto.get(path, "bob", pinned="true", max_id=note["id"])).json() == []


async def test_unpinning_takes_the_pin_back(masto: Masto) -> None:
    note = await masto.status("alice", "Opening hours")
    await _pin(masto, "alice", note["id"])
    answer = await _pin(masto, "alice", note["id"], undo=True)
    assert (answer.status_code, answer.json()["pinned"]) == (200, False)
    assert await _pinned(masto, "alice") == []


async def test_unpinning_what_is_not_pinned_sends_nothing(masto: Masto) -> None:
    carol = masto.remote("carol")
    masto.follows("alice", carol, Direction.inbound)
    note = await masto.status("alice", "Opening hours")
    assert (await _pin(masto, "alice", note["id"], undo=True)).status_code == 200
    assert _sent(masto, "Remove") == []


async def test_someone_elses_status_cannot_be_pinned(masto: Masto) -> None:
    note = await masto.status("alice", "Mine")
    answer = await _pin(masto, "bob", note["id"])
    assert answer.status_code == 422
    assert answer.json() == {"error": "Validation failed: Someone else's post cannot be pinned"}


async def test_a_direct_status_cannot_be_pinned(masto: Masto) -> None:
    note = await masto.status("alice", "@bob between us", visibility="direct")
    answer = await _pin(masto, "alice", note["id"])
    assert (answer.status_code, answer.json()) == (422, {"error": status_pins.DIRECT})


async def test_a_followers_only_status_cannot_be_pinned(masto: Masto) -> None:
    note = await masto.status("alice", "friends only", visibility="private")
    answer = await _pin(masto, "alice", note["id"])
    assert (answer.status_code, answer.json()) == (422, {"error": status_pins.PRIVATE})


async def test_a_boost_cannot_be_pinned(masto: Masto) -> None:
    note = await masto.status("bob", "Share me")
    boost = (await masto.post(f"/api/v1/statuses/{note['id']}/reblog", "alice")).json()
    answer = await _pin(masto, "alice", boost["id"])
    assert answer.json() == {"error": "Validation failed: A boost cannot be pinned"}


async def test_pinning_twice_is_a_duplicate(masto: Masto) -> None:
    note = await masto.status("alice", "Opening hours")
    await _pin(masto, "alice", note["id"])
    answer = await _pin(masto, "alice", note["id"])
    assert (answer.status_code, answer.json()) == (422, {"error": "Duplicate record"})


async def test_a_sixth_pin_is_refused(masto: Masto) -> None:
    notes = [await masto.status("alice", f"note {i}") for i in range(6)]
    for note in notes[:5]:
        assert (await _pin(masto, "alice", note["id"])).status_code == 200
    answer = await _pin(masto, "alice", notes[5]["id"])
    assert answer.status_code == 422
    assert answer.json() == {
        "error": "Validation failed: You have already pinned the maximum number of posts"
    }
    assert len(await _pinned(masto, "alice")) == 5


async def test_a_deleted_pinned_status_frees_its_place(masto: Masto) -> None:
    notes = [await masto.status("alice", f"note {i}") for i in range(6)]
    for note in notes[:5]:
        await _pin(masto, "alice", note["id"])
    await masto.http.delete(f"/api/v1/statuses/{notes[0]['id']}", headers=masto.auth("alice"))
    assert len(await _pinned(masto, "alice")) == 4
    assert (await _pin(masto, "alice", notes[5]["id"])).status_code == 200


async def test_a_listing_and_a_discussion_thread_can_be_pinned(masto: Masto) -> None:
    listing = await masto.listing("alice")
    _space(masto)
    _thread(masto, "alice", "Seed swap")
    mine = (
        await masto.get(f"/api/v1/accounts/{masto.account_id('alice')}/statuses", "alice")
    ).json()
    listing_id = next(s["id"] for s in mine if s["uri"] == listing["uri"])
    thread_id = next(s["id"] for s in mine if "discussion_thread" in (s.get("comptoir") or {}))
    for sid in (listing_id, thread_id):
        assert (await _pin(masto, "alice", sid)).json()["pinned"] is True
    assert [s["id"] for s in await _pinned(masto, "alice", "bob")] == [thread_id, listing_id]


def _remote_pins(masto: Masto, actor_id: int, uris: list[str]) -> None:
    """The remote account's `Add`s of notes we keep, oldest first (the inbox's path)."""

    def work(session: Any) -> None:
        actor = session.get(RemoteActor, actor_id)
        for uri in uris:
            assert remote_pins.add(session, actor, uri, None, reject_media=False)

    masto.db.write_sync(work)


async def test_a_remote_accounts_pins_are_its_featured_newest_first(masto: Masto) -> None:
    carol = masto.remote("carol")
    older, newer = masto.remote_note(carol, "Older"), masto.remote_note(carol, "Newer")
    masto.remote_note(carol, "Not pinned")
    _remote_pins(masto, carol, [older, newer])
    path = f"/api/v1/accounts/{2 * carol + 1}/statuses"
    found = (await masto.get(path, "alice", pinned="true")).json()
    assert [s["uri"] for s in found] == [newer, older]
    assert (await masto.get(path, "alice", pinned="true", max_id="999")).json() == []


async def test_a_remote_account_without_pins_has_none(masto: Masto) -> None:
    carol = masto.remote("carol")
    masto.remote_note(carol, "Not pinned")
    path = f"/api/v1/accounts/{2 * carol + 1}/statuses"
    assert (await masto.get(path, "alice", pinned="true")).json() == []


async def test_a_remote_pin_of_another_accounts_note_is_not_kept(masto: Masto) -> None:
    carol, dave = masto.remote("carol"), masto.remote("dave")
    daves = masto.remote_note(dave, "Dave's")
    kept = masto.db.write_sync(
        lambda s: remote_pins.add(s, s.get(RemoteActor, carol), daves, None, reject_media=False)
    )
    assert kept is False


async def test_a_remote_pin_of_a_followers_only_note_is_not_shown(masto: Masto) -> None:
    carol = masto.remote("carol")
    private = masto.remote_note(carol, "Friends", visibility="followers")
    kept = masto.db.write_sync(
        lambda s: remote_pins.add(s, s.get(RemoteActor, carol), private, None, reject_media=False)
    )
    assert kept is False


async def test_pinning_needs_write_accounts(masto: Masto) -> None:
    note = await masto.status("alice", "Opening hours")
    token = await masto.scoped_token("alice", "read write:statuses write:bookmarks")
    for verb in ("pin", "unpin"):
        assert (await masto.post(f"/api/v1/statuses/{note['id']}/{verb}", token)).status_code == 403
    allowed = await masto.scoped_token("alice", "write:accounts")
    assert (await _pin(masto, allowed, note["id"])).status_code == 200
    assert (await masto.post(f"/api/v1/statuses/{note['id']}/pin")).status_code == 401


async def test_the_instance_says_five_pins(masto: Masto) -> None:
    instance = (await masto.get("/api/v1/instance")).json()
    assert instance["configuration"]["accounts"]["max_pinned_statuses"] == 5


# ---------------------------------------------------------------------- federation


async def test_the_actor_names_its_featured_collection(masto: Masto) -> None:
    actor = (await masto.http.get("/users/alice", headers=AS2)).json()
    assert actor["featured"] == f"{masto.city.urls.member('alice')}/collections/featured"


async def test_the_featured_collection_holds_the_pinned_notes_newest_first(masto: Masto) -> None:
    first = await masto.status("alice", "one")
    listing = await masto.listing("alice")
    await masto.status("alice", "not pinned")
    mine = (await masto.get(f"/api/v1/accounts/{masto.account_id('alice')}/statuses")).json()
    listing_id = next(s["id"] for s in mine if s["uri"] == listing["uri"])
    await _pin(masto, "alice", first["id"])
    await _pin(masto, "alice", listing_id)
    answer = await masto.http.get("/users/alice/collections/featured", headers=AS2)
    assert answer.headers["content-type"].startswith("application/activity+json")
    found = answer.json()
    assert found["id"] == f"{masto.city.urls.member('alice')}/collections/featured"
    assert (found["type"], found["totalItems"]) == ("OrderedCollection", 2)
    assert [(i["type"], i["id"]) for i in found["orderedItems"]] == [
        ("Note", listing["uri"]),
        ("Note", first["uri"]),
    ]
    assert found["orderedItems"][1]["content"] == first["content"]
    assert all("@context" not in i for i in found["orderedItems"])


async def test_the_featured_collection_leaves_out_deleted_notes(masto: Masto) -> None:
    note = await masto.status("alice", "soon gone")
    await _pin(masto, "alice", note["id"])
    await masto.http.delete(f"/api/v1/statuses/{note['id']}", headers=masto.auth("alice"))
    found = (await masto.http.get("/users/alice/collections/featured", headers=AS2)).json()
    assert (found["totalItems"], found["orderedItems"]) == (0, [])


async def test_an_unknown_members_featured_collection_is_404(masto: Masto) -> None:
    assert (await masto.http.get("/users/nobody/collections/featured")).status_code == 404


async def test_a_pin_is_an_add_to_featured_sent_to_the_followers(masto: Masto) -> None:
    carol = masto.remote("carol")
    masto.follows("alice", carol, Direction.inbound)
    note = await masto.status("alice", "Opening hours")
    await _pin(masto, "alice", note["id"])
    (add,) = _sent(masto, "Add")
    alice = masto.city.urls.member("alice")
    assert {k: v for k, v in add.items() if k not in ("@context", "id")} == {
        "type": "Add",
        "actor": alice,
        "object": note["uri"],
        "target": f"{alice}/collections/featured",
    }
    assert _inboxes(masto, add["id"]) == ["https://town.example/users/carol/inbox"]


async def test_an_unpin_is_a_remove_from_featured_sent_to_the_followers(masto: Masto) -> None:
    carol = masto.remote("carol")
    masto.follows("alice", carol, Direction.inbound)
    note = await masto.status("alice", "Opening hours")
    await _pin(masto, "alice", note["id"])
    await _pin(masto, "alice", note["id"], undo=True)
    (remove,) = _sent(masto, "Remove")
    alice = masto.city.urls.member("alice")
    assert (remove["actor"], remove["object"]) == (alice, note["uri"])
    assert remove["target"] == f"{alice}/collections/featured"
    assert _inboxes(masto, remove["id"]) == ["https://town.example/users/carol/inbox"]


async def test_a_pinned_discussion_thread_sends_nothing(masto: Masto) -> None:
    carol = masto.remote("carol")
    masto.follows("alice", carol, Direction.inbound)
    _space(masto)
    _thread(masto, "alice", "Seed swap")
    mine = (await masto.get(f"/api/v1/accounts/{masto.account_id('alice')}/statuses")).json()
    (thread,) = mine
    await _pin(masto, "alice", thread["id"])
    assert _sent(masto, "Add") == []


@pytest.mark.slow
async def test_a_pin_from_mastodon_py_reaches_a_followers_city(
    start_city: Callable[..., Any],
) -> None:
    a: LiveCity = await start_city(**OPEN_MARKET)
    b: LiveCity = await start_city(**OPEN_MARKET)
    add_member(a, "alice")
    add_member(b, "bob")
    alice = await asyncio.to_thread(_logged_in, a, "alice")
    bob = await asyncio.to_thread(_logged_in, b, "bob")
    found = await asyncio.to_thread(bob.account_lookup, f"alice@{a.settings.domain}")
    await asyncio.to_thread(bob.account_follow, found["id"])

    async def following() -> bool:
        (rel,) = await asyncio.to_thread(bob.account_relationships, found["id"])
        return bool(rel["following"])

    await eventually(following)
    note = await asyncio.to_thread(alice.status_post, "Open on Sunday")
    pinned = await asyncio.to_thread(alice.status_pin, note["id"])
    mine = await asyncio.to_thread(alice.account_statuses, pinned["account"]["id"], pinned=True)
    assert pinned["pinned"] is True and [s["id"] for s in mine] == [note["id"]]
    await asyncio.to_thread(alice.status_unpin, note["id"])

    def received(kind: str) -> Callable[[], Any]:
        async def check() -> bool:
            bodies = await b.db.read(
                lambda s: list(
                    s.scalars(select(InboundActivity.body).where(InboundActivity.type == kind))
                )
            )
            return any(json.loads(body)["object"] == note["uri"] for body in bodies)

        return check

    await eventually(received("Add"))
    await eventually(received("Remove"))
