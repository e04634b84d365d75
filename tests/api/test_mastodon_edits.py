"""Editing a status from an app: `PUT /api/v1/statuses/{id}` (the member's own note: new
text, `edited_at`, an Update federated), `/history` (every version, oldest first) and
`/source`; in process, and with Mastodon.py between two cities (the edit reaches the
follower's city, whose history of its copy holds both versions)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from models import OutboundActivity

from ..e2e.helpers import add_member, eventually
from ..listings.conftest import image_bytes
from ..live import LiveCity
from .mastodon_city import Masto
from .test_mastodon_media import _upload
from .test_mastodon_py_client import OPEN_MARKET, _logged_in


async def _put(masto: Masto, sid: str, who: str, **fields: Any) -> httpx.Response:
    return await masto.http.put(f"/api/v1/statuses/{sid}", data=fields, headers=masto.auth(who))


async def test_editing_ones_note_changes_its_text_and_sets_edited_at(masto: Masto) -> None:
    note = await masto.status("alice", "Bike for sale")
    assert note["edited_at"] is None
    answer = await _put(masto, note["id"], "alice", status="Bike sold")
    assert answer.status_code == 200
    edited = answer.json()
    assert edited["id"] == note["id"]
    assert "Bike sold" in edited["content"]
    assert edited["edited_at"] is not None
    shown = (await masto.get(f"/api/v1/statuses/{note['id']}", "bob")).json()
    assert "Bike sold" in shown["content"]


async def test_an_edit_federates_as_an_update_of_the_note(masto: Masto) -> None:
    note = await masto.status("alice", "Bike for sale")
    await _put(masto, note["id"], "alice", status="Bike sold")
    bodies = masto.db.read_sync(
        lambda s: list(s.scalars(select(OutboundActivity.body).order_by(OutboundActivity.id)))
    )
    (update,) = [a for a in map(json.loads, bodies) if a["type"] == "Update"]
    assert update["object"]["id"] == note["uri"]
    assert "Bike sold" in update["object"]["content"]


async def test_history_lists_every_version_oldest_first(masto: Masto) -> None:
    note = await masto.status("alice", "one")
    await _put(masto, note["id"], "alice", status="two")
    await _put(masto, note["id"], "alice", status="three")
    versions = (await masto.get(f"/api/v1/statuses/{note['id']}/history", "bob")).json()
    assert [v["content"] for v in versions] == ["<p>one</p>", "<p>two</p>", "<p>three</p>"]
    assert all(v["account"]["id"] == masto.account_id("alice") for v in versions)
    assert versions[0]["created_at"] <= versions[1]["created_at"] <= versions[2]["created_at"]


async def test_a_note_never_edited_has_one_version(masto: Masto) -> None:
    note = await masto.status("alice", "just once")
    versions = (await masto.get(f"/api/v1/statuses/{note['id']}/history")).json()
    assert [v["content"] for v in versions] == [note["content"]]


async def test_source_is_the_plain_text(masto: Masto) -> None:
    note = await masto.status("alice", "Bread & butter")
    source = (await masto.get(f"/api/v1/statuses/{note['id']}/source", "alice")).json()
    assert source == {"id": note["id"], "text": "Bread & butter", "spoiler_text": ""}


async def test_someone_elses_note_cannot_be_edited(masto: Masto) -> None:
    note = await masto.status("alice", "mine")
    answer = await _put(masto, note["id"], "bob", status="hijacked")
    assert answer.status_code == 404
    assert "error" in answer.json()
    shown = (await masto.get(f"/api/v1/statuses/{note['id']}/history")).json()
    assert len(shown) == 1


async def test_an_empty_edit_is_refused_and_changes_nothing(masto: Masto) -> None:
    note = await masto.status("alice", "mine")
    answer = await _put(masto, note["id"], "alice", status="  ")
    assert answer.status_code == 422
    assert "error" in answer.json()
    shown = (await masto.get(f"/api/v1/statuses/{note['id']}", "alice")).json()
    assert shown["content"] == note["content"] and shown["edited_at"] is None


async def test_a_listing_is_edited_on_its_page_not_here(masto: Masto) -> None:
    await masto.listing("alice")
    (status,) = (await masto.get("/api/v1/timelines/public", "alice")).json()
    answer = await _put(masto, status["id"], "alice", status="new text")
    assert answer.status_code == 422
    assert answer.json()["error"]


async def test_editing_needs_write_statuses(masto: Masto) -> None:
    note = await masto.status("alice", "mine")
    token = await masto.scoped_token("alice", "read")
    answer = await masto.http.put(
        f"/api/v1/statuses/{note['id']}",
        data={"status": "changed"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 403


async def test_a_status_posted_with_a_content_warning_carries_it(masto: Masto) -> None:
    note = await masto.status("alice", "the ending", spoiler_text="film spoilers")
    assert (note["spoiler_text"], note["sensitive"]) == ("film spoilers", True)
    bodies = masto.db.read_sync(
        lambda s: list(s.scalars(select(OutboundActivity.body).order_by(OutboundActivity.id)))
    )
    (create,) = [a for a in map(json.loads, bodies) if a["type"] == "Create"]
    assert (create["object"]["summary"], create["object"]["sensitive"]) == ("film spoilers", True)


async def test_an_edit_sets_and_clears_the_warning_and_history_keeps_each(masto: Masto) -> None:
    note = await masto.status("alice", "the ending")
    warned = await _put(masto, note["id"], "alice", status="the ending", spoiler_text="spoilers")
    assert (warned.json()["spoiler_text"], warned.json()["sensitive"]) == ("spoilers", True)
    source = (await masto.get(f"/api/v1/statuses/{note['id']}/source", "alice")).json()
    assert source["spoiler_text"] == "spoilers"
    cleared = (await _put(masto, note["id"], "alice", status="the ending")).json()
    assert (cleared["spoiler_text"], cleared["sensitive"]) == ("", False)
    versions = (await masto.get(f"/api/v1/statuses/{note['id']}/history")).json()
    assert [v["spoiler_text"] for v in versions] == ["", "spoilers", ""]


async def test_a_sensitive_mark_without_warning_is_kept(masto: Masto) -> None:
    note = await masto.status("alice", "a picture")
    edited = (await _put(masto, note["id"], "alice", status="a picture", sensitive="true")).json()
    assert (edited["spoiler_text"], edited["sensitive"]) == ("", True)


async def test_an_overlong_warning_is_refused(masto: Masto) -> None:
    note = await masto.status("alice", "text")
    answer = await _put(masto, note["id"], "alice", status="text", spoiler_text="x" * 501)
    assert answer.status_code == 422
    assert len((await masto.get(f"/api/v1/statuses/{note['id']}/history")).json()) == 1


async def _with_photo(masto: Masto) -> dict[str, Any]:
    media = (await _upload(masto, "alice", image_bytes())).json()
    return await masto.status("alice", "My bike", media_ids=[media["id"]])


async def test_an_edit_redescribes_a_picture_and_keeps_the_old_one_in_history(
    masto: Masto,
) -> None:
    note = await _with_photo(masto)
    (photo,) = note["media_attachments"]
    answer = await masto.http.put(
        f"/api/v1/statuses/{note['id']}",
        json={
            "status": "My red bike",
            "media_ids": [photo["id"]],
            "media_attributes": [{"id": photo["id"], "description": "A red bike"}],
        },
        headers=masto.auth("alice"),
    )
    assert answer.status_code == 200, answer.text
    assert [m["description"] for m in answer.json()["media_attachments"]] == ["A red bike"]
    versions = (await masto.get(f"/api/v1/statuses/{note['id']}/history")).json()
    described = [[m["description"] for m in v["media_attachments"]] for v in versions]
    assert described == [["An orange square"], ["A red bike"]]


async def test_describing_a_picture_the_note_lacks_is_refused(masto: Masto) -> None:
    note = await _with_photo(masto)
    answer = await masto.http.put(
        f"/api/v1/statuses/{note['id']}",
        data={
            "status": "My bike",
            "media_attributes[][id]": "12345",
            "media_attributes[][description]": "something",
        },
        headers=masto.auth("alice"),
    )
    assert answer.status_code == 422
    versions = (await masto.get(f"/api/v1/statuses/{note['id']}/history")).json()
    assert len(versions) == 1


async def _edit_json(masto: Masto, sid: str, **document: Any) -> httpx.Response:
    return await masto.http.put(
        f"/api/v1/statuses/{sid}", json=document, headers=masto.auth("alice")
    )


async def test_an_edit_adds_an_uploaded_picture_after_the_kept_one(masto: Masto) -> None:
    note = await _with_photo(masto)
    (photo,) = note["media_attachments"]
    added = (await _upload(masto, "alice", image_bytes(), "A blue bell")).json()
    answer = await _edit_json(
        masto, note["id"], status="My bike and its bell", media_ids=[photo["id"], added["id"]]
    )
    assert answer.status_code == 200, answer.text
    shown = answer.json()["media_attachments"]
    assert [m["description"] for m in shown] == ["An orange square", "A blue bell"]
    versions = (await masto.get(f"/api/v1/statuses/{note['id']}/history")).json()
    assert [len(v["media_attachments"]) for v in versions] == [1, 2]


async def test_an_edit_with_empty_media_ids_removes_the_pictures(masto: Masto) -> None:
    note = await _with_photo(masto)
    answer = await _edit_json(masto, note["id"], status="No photo after all", media_ids=[])
    assert answer.status_code == 200, answer.text
    assert answer.json()["media_attachments"] == []
    versions = (await masto.get(f"/api/v1/statuses/{note['id']}/history")).json()
    assert [len(v["media_attachments"]) for v in versions] == [1, 0]  # the file is kept


async def test_an_edit_without_media_ids_keeps_the_pictures(masto: Masto) -> None:
    note = await _with_photo(masto)
    answer = await _put(masto, note["id"], "alice", status="Still my bike")
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["media_attachments"]) == 1


async def test_an_edit_reorders_pictures(masto: Masto) -> None:
    first = (await _upload(masto, "alice", image_bytes(), "First")).json()
    second = (await _upload(masto, "alice", image_bytes(), "Second")).json()
    note = await masto.status("alice", "Two", media_ids=[first["id"], second["id"]])
    one, two = (m["id"] for m in note["media_attachments"])
    answer = await _edit_json(masto, note["id"], status="Two", media_ids=[two, one])
    assert answer.status_code == 200, answer.text
    assert [m["description"] for m in answer.json()["media_attachments"]] == ["Second", "First"]


async def test_a_picture_of_another_member_cannot_be_added_in_an_edit(masto: Masto) -> None:
    note = await _with_photo(masto)
    theirs = (await _upload(masto, "bob", image_bytes())).json()
    answer = await _edit_json(masto, note["id"], status="Mine", media_ids=[theirs["id"]])
    assert answer.status_code == 404
    versions = (await masto.get(f"/api/v1/statuses/{note['id']}/history")).json()
    assert len(versions) == 1


async def test_an_upload_without_alt_text_cannot_be_added_in_an_edit(masto: Masto) -> None:
    note = await _with_photo(masto)
    bare = (await _upload(masto, "alice", image_bytes(), None)).json()
    answer = await _edit_json(masto, note["id"], status="Mine", media_ids=[bare["id"]])
    assert answer.status_code == 422
    assert len((await masto.get(f"/api/v1/statuses/{note['id']}/history")).json()) == 1


async def test_an_edit_past_four_pictures_is_refused(masto: Masto) -> None:
    note = await _with_photo(masto)
    (photo,) = note["media_attachments"]
    more = [(await _upload(masto, "alice", image_bytes())).json()["id"] for _ in range(4)]
    answer = await _edit_json(masto, note["id"], status="Many", media_ids=[photo["id"], *more])
    assert answer.status_code == 422
    assert len((await masto.get(f"/api/v1/statuses/{note['id']}/history")).json()) == 1


async def test_an_edit_may_leave_only_pictures_but_not_nothing(masto: Masto) -> None:
    note = await _with_photo(masto)
    (photo,) = note["media_attachments"]
    only = await _edit_json(masto, note["id"], status="", media_ids=[photo["id"]])
    assert only.status_code == 200, only.text
    nothing = await _edit_json(masto, note["id"], status="", media_ids=[])
    assert nothing.status_code == 422


@pytest.mark.slow
async def test_an_edit_from_an_app_reaches_the_followers_city_with_its_history(
    start_city: Callable[..., Any],
) -> None:
    a: LiveCity = await start_city(**OPEN_MARKET)
    b: LiveCity = await start_city(**OPEN_MARKET)
    add_member(a, "alice")
    add_member(b, "bob")
    alice, bob = await asyncio.gather(
        asyncio.to_thread(_logged_in, a, "alice"), asyncio.to_thread(_logged_in, b, "bob")
    )
    found = await asyncio.to_thread(bob.account_lookup, f"alice@{a.settings.domain}")
    await asyncio.to_thread(bob.account_follow, found["id"])

    async def following() -> bool:
        (rel,) = await asyncio.to_thread(bob.account_relationships, found["id"])
        return bool(rel["following"])

    await eventually(following)
    note = await asyncio.to_thread(alice.status_post, "Pears, 2 GRN a kilo")

    async def at_home(text: str) -> list[Any]:
        home = await asyncio.to_thread(bob.timeline_home)
        return [s for s in home if s["uri"] == note["uri"] and text in s["content"]]

    await eventually(lambda: at_home("2 GRN"))
    edited = await asyncio.to_thread(
        alice.status_update, note["id"], "Pears, 1 GRN a kilo", spoiler_text="Prices"
    )
    assert edited["edited_at"] is not None
    assert (await asyncio.to_thread(alice.status_source, note["id"]))["text"] == (
        "Pears, 1 GRN a kilo"
    )
    (copy,) = await eventually(lambda: at_home("1 GRN"))
    assert copy["edited_at"] is not None
    assert (copy["spoiler_text"], copy["sensitive"]) == ("Prices", True)
    versions = await asyncio.to_thread(bob.status_history, copy["id"])
    assert ["2 GRN" in v["content"] for v in versions] == [True, False]
    assert [v["spoiler_text"] for v in versions] == ["", "Prices"]
