"""Reading positions (`/api/v1/markers`) as Tusky and Elk save and read them: form and JSON
bodies, versions counted per save (two saves at once both count), only the timelines asked,
422s in Mastodon's shape, the scopes; and the notifications marker bounding
`/api/v1/notifications/unread_count`."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import httpx
import pytest

from exchange import markers, members, notifications
from models import NotificationKind

from .mastodon_city import Masto


async def saved(masto: Masto, as_: str = "alice", **fields: Any) -> dict[str, Any]:
    answer = await masto.post("/api/v1/markers", as_, **fields)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def form_save(masto: Masto, data: dict[str, str], as_: str = "alice") -> httpx.Response:
    return await masto.http.post("/api/v1/markers", data=data, headers=masto.auth(as_))


async def test_a_member_without_markers_has_none(masto: Masto) -> None:
    answer = await masto.get("/api/v1/markers", "alice", **{"timeline[]": ["home"]})
    assert (answer.status_code, answer.json()) == (200, {})


async def test_a_json_save_answers_the_marker_saved(masto: Masto) -> None:
    found = await saved(masto, home={"last_read_id": "103"})
    assert set(found) == {"home"}
    assert found["home"]["last_read_id"] == "103"
    assert found["home"]["version"] == 0
    assert found["home"]["updated_at"].endswith("Z")


async def test_a_form_save_is_read_back(masto: Masto) -> None:
    answer = await form_save(masto, {"notifications[last_read_id]": "42"})
    assert answer.status_code == 200, answer.text
    found = (await masto.get("/api/v1/markers", "alice", **{"timeline[]": "notifications"})).json()
    assert found["notifications"]["last_read_id"] == "42"


async def test_each_save_raises_the_version(masto: Masto) -> None:
    await saved(masto, home={"last_read_id": "1"})
    await saved(masto, home={"last_read_id": "2"})
    found = await saved(masto, home={"last_read_id": "3"})
    assert (found["home"]["last_read_id"], found["home"]["version"]) == ("3", 2)


async def test_two_saves_at_once_both_count(masto: Masto) -> None:
    await saved(masto, home={"last_read_id": "1"})
    both = await asyncio.gather(
        saved(masto, home={"last_read_id": "5"}), saved(masto, home={"last_read_id": "6"})
    )
    assert sorted(b["home"]["version"] for b in both) == [1, 2]
    found = (await masto.get("/api/v1/markers", "alice")).json()
    assert found["home"]["version"] == 2


@pytest.mark.parametrize("existing", [True, False], ids=["known marker", "first save"])
def test_a_save_waiting_on_another_transaction_counts_after_it(
    masto: Masto, existing: bool
) -> None:
    """The second save starts while the first is still open (its row written, not yet
    committed): it must count on from the first's version, not from what it could read
    before. On PostgreSQL it waits on the row (or the unique key) the first holds."""
    if existing:
        masto.db.write_sync(
            lambda s: markers.save(s, members.get_member(s, "alice"), {"home": "1"})
        )
    first_saved, versions = threading.Event(), {}

    def first(session: Any) -> None:
        versions["first"] = markers.save(
            session, members.get_member(session, "alice"), {"home": "10"}
        )[0].version
        first_saved.set()
        time.sleep(0.5)  # the second save is running meanwhile

    def second() -> None:
        first_saved.wait(30)
        versions["second"] = masto.db.write_sync(
            lambda s: markers.save(s, members.get_member(s, "alice"), {"home": "11"})
        )[0].version

    other = threading.Thread(target=second)
    other.start()
    masto.db.write_sync(first)
    other.join(60)
    start = 1 if existing else 0
    assert versions == {"first": start, "second": start + 1}


async def test_both_timelines_are_saved_together(masto: Masto) -> None:
    found = await saved(masto, home={"last_read_id": "7"}, notifications={"last_read_id": "8"})
    assert {k: v["last_read_id"] for k, v in found.items()} == {"home": "7", "notifications": "8"}


async def test_only_the_timelines_asked_are_answered(masto: Masto) -> None:
    await saved(masto, home={"last_read_id": "7"}, notifications={"last_read_id": "8"})
    found = (await masto.get("/api/v1/markers", "alice", **{"timeline[]": ["home"]})).json()
    assert set(found) == {"home"}


async def test_every_marker_is_answered_when_none_is_asked(masto: Masto) -> None:
    await saved(masto, home={"last_read_id": "7"}, notifications={"last_read_id": "8"})
    assert set((await masto.get("/api/v1/markers", "alice")).json()) == {"home", "notifications"}


async def test_an_unknown_timeline_is_ignored(masto: Masto) -> None:
    found = await saved(masto, home={"last_read_id": "7"}, public={"last_read_id": "9"})
    assert set(found) == {"home"}
    asked = await masto.get("/api/v1/markers", "alice", **{"timeline[]": ["public"]})
    assert asked.json() == {}


async def test_markers_are_each_members_own(masto: Masto) -> None:
    await saved(masto, "alice", home={"last_read_id": "7"})
    assert (await masto.get("/api/v1/markers", "bob")).json() == {}


@pytest.mark.parametrize("value", ["abc", "-3", "", "1" * 19])
async def test_an_id_that_is_not_a_number_is_refused(masto: Masto, value: str) -> None:
    answer = await masto.post("/api/v1/markers", "alice", home={"last_read_id": value})
    assert answer.status_code == 422
    assert answer.json()["error"].startswith("Validation failed: ")


async def test_a_timeline_without_an_id_is_refused(masto: Masto) -> None:
    answer = await form_save(masto, {"home[last_read]": "3"})
    assert (answer.status_code, answer.json()) == (
        422,
        {"error": "Validation failed: Last read can't be blank"},
    )


async def test_one_invalid_marker_saves_neither(masto: Masto) -> None:
    answer = await masto.post(
        "/api/v1/markers", "alice", home={"last_read_id": "5"}, notifications={"last_read_id": "x"}
    )
    assert answer.status_code == 422
    assert (await masto.get("/api/v1/markers", "alice")).json() == {}


async def test_a_body_that_is_not_an_object_is_refused(masto: Masto) -> None:
    answer = await masto.http.post(
        "/api/v1/markers",
        content=b"[1, 2]",
        headers={**masto.auth("alice"), "Content-Type": "application/json"},
    )
    assert answer.status_code == 422 and "error" in answer.json()


async def test_reading_needs_read_statuses(masto: Masto) -> None:
    token = await masto.scoped_token("alice", "read:notifications")
    answer = await masto.get("/api/v1/markers", token)
    assert answer.status_code == 403 and "error" in answer.json()
    assert (await masto.get("/api/v1/markers")).status_code == 401


async def test_saving_needs_write_statuses(masto: Masto) -> None:
    token = await masto.scoped_token("alice", "read:statuses")
    answer = await masto.post("/api/v1/markers", token, home={"last_read_id": "1"})
    assert answer.status_code == 403 and "error" in answer.json()
    assert (await masto.post("/api/v1/markers", home={"last_read_id": "1"})).status_code == 401


# ---------------------------------------------------------------- unread_count


def _notify(masto: Masto, name: str, count: int) -> list[int]:
    member_id = masto.member_id(name)
    return [
        masto.db.write_sync(
            lambda s, i=i: notifications.notify(
                s, member_id, NotificationKind.listing_expired, f"listing {i} expired"
            )
        )
        for i in range(count)
    ]


async def unread(masto: Masto, as_: str = "alice", **params: Any) -> int:
    answer = await masto.get("/api/v1/notifications/unread_count", as_, **params)
    assert answer.status_code == 200, answer.text
    count: int = answer.json()["count"]
    return count


async def test_without_a_marker_every_notification_is_unread(masto: Masto) -> None:
    _notify(masto, "alice", 3)
    assert await unread(masto) == 3


async def test_unread_counts_the_notifications_newer_than_the_marker(masto: Masto) -> None:
    ids = _notify(masto, "alice", 4)
    await saved(masto, notifications={"last_read_id": str(ids[1])})
    assert await unread(masto) == 2


async def test_the_home_marker_does_not_bound_the_count(masto: Masto) -> None:
    ids = _notify(masto, "alice", 2)
    await saved(masto, home={"last_read_id": str(ids[-1])})
    assert await unread(masto) == 2


async def test_unread_is_counted_up_to_the_limit(masto: Masto) -> None:
    _notify(masto, "alice", 3)
    assert await unread(masto, limit="2") == 2


async def test_unread_filters_by_type_as_the_list_does(masto: Masto) -> None:
    _notify(masto, "alice", 2)
    assert await unread(masto, **{"types[]": "follow"}) == 0
    assert await unread(masto, **{"exclude_types[]": "follow"}) == 2


async def test_unread_counts_only_the_members_own(masto: Masto) -> None:
    _notify(masto, "bob", 2)
    assert await unread(masto) == 0


async def test_unread_needs_read_notifications(masto: Masto) -> None:
    token = await masto.scoped_token("alice", "read:statuses")
    assert (await masto.get("/api/v1/notifications/unread_count", token)).status_code == 403
    assert (await masto.get("/api/v1/notifications/unread_count")).status_code == 401
