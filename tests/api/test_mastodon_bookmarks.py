"""Bookmarks from an app, in process: `/bookmark` and `/unbookmark` mark the status for the
member alone (`bookmarked` in every Status they read, nothing federated), `/api/v1/bookmarks`
lists them newest bookmark first, paged with `Link` headers; statuses the member may no
longer see are left out; each endpoint asks its scope."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from models import OutboundActivity, RemoteActor, StatusBookmark, utcnow

from .mastodon_city import Masto
from .test_mastodon_local_groups import _space, _thread


async def _bookmark(masto: Masto, who: str, sid: str, undo: bool = False) -> httpx.Response:
    verb = "unbookmark" if undo else "bookmark"
    return await masto.post(f"/api/v1/statuses/{sid}/{verb}", who)


def _next(answer: httpx.Response) -> str:
    return answer.links["next"]["url"]


async def test_bookmarking_marks_the_status_for_the_member(masto: Masto) -> None:
    note = await masto.status("alice", "Recipe for bread")
    answer = await _bookmark(masto, "bob", note["id"])
    assert answer.status_code == 200
    assert (answer.json()["id"], answer.json()["bookmarked"]) == (note["id"], True)
    shown = (await masto.get(f"/api/v1/statuses/{note['id']}", "bob")).json()
    assert shown["bookmarked"] is True


async def test_a_bookmark_is_the_members_alone(masto: Masto) -> None:
    note = await masto.status("alice", "Recipe for bread")
    await _bookmark(masto, "bob", note["id"])
    assert (await masto.get(f"/api/v1/statuses/{note['id']}", "alice")).json()[
        "bookmarked"
    ] is False
    assert (await masto.get(f"/api/v1/statuses/{note['id']}")).json()["bookmarked"] is False


async def test_bookmarking_twice_keeps_one_bookmark(masto: Masto) -> None:
    note = await masto.status("alice", "Recipe for bread")
    await _bookmark(masto, "bob", note["id"])
    await _bookmark(masto, "bob", note["id"])
    count = masto.db.read_sync(lambda s: s.scalar(select(func.count()).select_from(StatusBookmark)))
    assert count == 1


async def test_unbookmarking_clears_the_mark_and_the_list(masto: Masto) -> None:
    note = await masto.status("alice", "Recipe for bread")
    await _bookmark(masto, "bob", note["id"])
    answer = await _bookmark(masto, "bob", note["id"], undo=True)
    assert (answer.status_code, answer.json()["bookmarked"]) == (200, False)
    assert (await masto.get("/api/v1/bookmarks", "bob")).json() == []


async def test_unbookmarking_what_is_not_bookmarked_is_no_error(masto: Masto) -> None:
    note = await masto.status("alice", "Recipe for bread")
    answer = await _bookmark(masto, "bob", note["id"], undo=True)
    assert (answer.status_code, answer.json()["bookmarked"]) == (200, False)


async def test_the_timeline_shows_the_viewers_bookmarks(masto: Masto) -> None:
    kept = await masto.status("alice", "Keep this")
    await _bookmark(masto, "alice", kept["id"])
    other = await masto.status("alice", "Nor this")
    home = (await masto.get("/api/v1/timelines/home", "alice")).json()
    flags = {s["id"]: s["bookmarked"] for s in home}
    assert (flags[kept["id"]], flags[other["id"]]) == (True, False)
    assert not any(
        s["bookmarked"] for s in (await masto.get("/api/v1/timelines/home", "bob")).json()
    )


async def test_bookmarks_are_listed_newest_bookmark_first(masto: Masto) -> None:
    first = await masto.status("alice", "one")
    second = await masto.status("alice", "two")
    await _bookmark(masto, "bob", second["id"])
    await _bookmark(masto, "bob", first["id"])
    listed = (await masto.get("/api/v1/bookmarks", "bob")).json()
    assert [(s["id"], s["bookmarked"]) for s in listed] == [
        (first["id"], True),
        (second["id"], True),
    ]


async def test_bookmarks_are_paged_by_link_headers(masto: Masto) -> None:
    notes = [await masto.status("alice", f"note {i}") for i in range(3)]
    for note in notes:
        await _bookmark(masto, "bob", note["id"])
    seen: list[str] = []
    answer = await masto.get("/api/v1/bookmarks", "bob", limit=2)
    while answer.json():
        seen += [s["id"] for s in answer.json()]
        answer = await masto.http.get(_next(answer), headers=masto.auth("bob"))
    assert seen == [n["id"] for n in reversed(notes)]
    newer = await masto.http.get(
        (await masto.get("/api/v1/bookmarks", "bob", limit=1)).links["prev"]["url"],
        headers=masto.auth("bob"),
    )
    assert newer.json() == []


async def test_a_reblogs_id_bookmarks_its_original(masto: Masto) -> None:
    note = await masto.status("alice", "Share me")
    boost = (await masto.post(f"/api/v1/statuses/{note['id']}/reblog", "alice")).json()
    answer = await _bookmark(masto, "bob", boost["id"])
    assert (answer.json()["id"], answer.json()["bookmarked"]) == (note["id"], True)
    assert [s["id"] for s in (await masto.get("/api/v1/bookmarks", "bob")).json()] == [note["id"]]


async def test_listings_and_discussion_threads_can_be_bookmarked(masto: Masto) -> None:
    listing = await masto.listing("alice")
    _space(masto)
    _thread(masto, "alice", "Seed swap")
    mine = (await masto.get(f"/api/v1/accounts/{masto.account_id('alice')}/statuses", "bob")).json()
    by_uri = {s["uri"]: s["id"] for s in mine}
    thread_id = next(s["id"] for s in mine if "discussion_thread" in (s.get("comptoir") or {}))
    for sid in (by_uri[listing["uri"]], thread_id):
        assert (await _bookmark(masto, "bob", sid)).json()["bookmarked"] is True
    listed = (await masto.get("/api/v1/bookmarks", "bob")).json()
    assert [s["id"] for s in listed] == [thread_id, by_uri[listing["uri"]]]


async def test_a_deleted_bookmarked_status_is_left_out_and_can_be_unbookmarked(
    masto: Masto,
) -> None:
    note = await masto.status("alice", "Soon gone")
    kept = await masto.status("alice", "Staying")
    await _bookmark(masto, "bob", note["id"])
    await _bookmark(masto, "bob", kept["id"])
    await masto.http.delete(f"/api/v1/statuses/{note['id']}", headers=masto.auth("alice"))
    listed = (await masto.get("/api/v1/bookmarks", "bob")).json()
    assert [s["id"] for s in listed] == [kept["id"]]
    assert (await _bookmark(masto, "bob", note["id"], undo=True)).status_code == 200
    count = masto.db.read_sync(lambda s: s.scalar(select(func.count()).select_from(StatusBookmark)))
    assert count == 1


async def test_a_suspended_authors_bookmarked_status_is_left_out(masto: Masto) -> None:
    carol = masto.remote("carol")
    masto.remote_note(carol, "A remote note")
    (status,) = (await masto.get("/api/v1/timelines/public", "alice")).json()
    await _bookmark(masto, "alice", status["id"])
    masto.db.write_sync(lambda s: setattr(s.get(RemoteActor, carol), "suspended_at", utcnow()))
    assert (await masto.get("/api/v1/bookmarks", "alice")).json() == []


async def test_a_status_the_member_may_not_see_cannot_be_bookmarked(masto: Masto) -> None:
    masto.member("carol")
    secret = await masto.status("alice", "@carol between us", visibility="direct")
    assert (await _bookmark(masto, "bob", secret["id"])).json() == {"error": "Record not found"}
    assert (await _bookmark(masto, "bob", secret["id"], undo=True)).status_code == 404
    assert (await _bookmark(masto, "bob", "999999")).status_code == 404


async def test_a_bookmark_sends_nothing(masto: Masto) -> None:
    carol = masto.remote("carol")
    masto.remote_note(carol, "A remote note")
    (status,) = (await masto.get("/api/v1/timelines/public", "alice")).json()
    before = masto.db.read_sync(lambda s: s.scalar(select(func.count(OutboundActivity.id))))
    await _bookmark(masto, "alice", status["id"])
    await _bookmark(masto, "alice", status["id"], undo=True)
    after = masto.db.read_sync(lambda s: s.scalar(select(func.count(OutboundActivity.id))))
    assert after == before


async def test_bookmarking_needs_write_bookmarks(masto: Masto) -> None:
    note = await masto.status("alice", "Recipe")
    token = await masto.scoped_token("bob", "read write:statuses write:favourites")
    for verb in ("bookmark", "unbookmark"):
        answer = await masto.post(f"/api/v1/statuses/{note['id']}/{verb}", token)
        assert answer.status_code == 403
    allowed = await masto.scoped_token("bob", "write:bookmarks")
    assert (await _bookmark(masto, allowed, note["id"])).status_code == 200


async def test_the_list_needs_read_bookmarks(masto: Masto) -> None:
    token = await masto.scoped_token("bob", "read:statuses write")
    assert (await masto.get("/api/v1/bookmarks", token)).status_code == 403
    assert (await masto.get("/api/v1/bookmarks")).status_code == 401
    allowed = await masto.scoped_token("bob", "read:bookmarks")
    assert (await masto.get("/api/v1/bookmarks", allowed)).json() == []
