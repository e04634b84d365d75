"""`/api/v1/notifications` in process: negotiation events as Mastodon notifications, paging,
one by id, dismiss, clear, scopes."""

from __future__ import annotations

from typing import Any

from exchange import notifications
from models import NotificationKind

from .mastodon_city import Masto

NOTIFICATION_FIELDS = {"id", "type", "created_at", "account", "status", "group_key"}


async def _offer(masto: Masto) -> dict[str, Any]:
    """bob makes an offer on alice's listing: alice is notified."""
    listing = await masto.listing("alice", quantity=3)
    answer = await masto.http.post(
        f"/api/comptoir/v1/listings/{listing['id']}/negotiations",
        json={"quantity": 1},
        headers=masto.auth("bob"),
    )
    assert answer.status_code == 201, answer.text
    found: dict[str, Any] = answer.json()
    return found


def _notify(masto: Masto, name: str, count: int) -> None:
    member_id = masto.member_id(name)
    for i in range(count):
        masto.db.write_sync(
            lambda s, i=i: notifications.notify(
                s, member_id, NotificationKind.listing_expired, f"listing {i} expired"
            )
        )


async def test_an_offer_is_a_mention_from_the_buyer(masto: Masto) -> None:
    await _offer(masto)
    (found,) = (await masto.get("/api/v1/notifications", "alice")).json()
    assert NOTIFICATION_FIELDS <= set(found)
    assert found["type"] == "mention"
    assert found["account"]["username"] == "bob"
    assert found["status"]["visibility"] == "direct"
    assert "/negotiations/" in found["status"]["content"]


async def test_a_notification_by_id(masto: Masto) -> None:
    await _offer(masto)
    (listed,) = (await masto.get("/api/v1/notifications", "alice")).json()
    answer = await masto.get(f"/api/v1/notifications/{listed['id']}", "alice")
    assert answer.json() == listed


async def test_someone_elses_notification_is_404(masto: Masto) -> None:
    await _offer(masto)
    (listed,) = (await masto.get("/api/v1/notifications", "alice")).json()
    answer = await masto.get(f"/api/v1/notifications/{listed['id']}", "bob")
    assert answer.status_code == 404


async def test_the_notification_status_id_is_no_real_status(masto: Masto) -> None:
    await _offer(masto)
    (listed,) = (await masto.get("/api/v1/notifications", "alice")).json()
    answer = await masto.get(f"/api/v1/statuses/{listed['status']['id']}", "alice")
    assert answer.status_code == 404


async def test_pages_of_notifications_with_max_id(masto: Masto) -> None:
    _notify(masto, "alice", 5)
    first = (await masto.get("/api/v1/notifications", "alice", limit="2")).json()
    second = (
        await masto.get("/api/v1/notifications", "alice", limit="2", max_id=first[-1]["id"])
    ).json()
    third = (
        await masto.get("/api/v1/notifications", "alice", limit="2", max_id=second[-1]["id"])
    ).json()
    texts = [n["status"]["content"] for n in first + second + third]
    assert texts == [f"<p>listing {i} expired</p>" for i in (4, 3, 2, 1, 0)]


async def test_excluding_mentions_leaves_nothing(masto: Masto) -> None:
    _notify(masto, "alice", 2)
    answer = await masto.get("/api/v1/notifications", "alice", **{"exclude_types[]": "mention"})
    assert answer.json() == []


async def test_dismiss_removes_one(masto: Masto) -> None:
    _notify(masto, "alice", 2)
    newest, older = (await masto.get("/api/v1/notifications", "alice")).json()
    answer = await masto.post(f"/api/v1/notifications/{newest['id']}/dismiss", "alice")
    assert (answer.status_code, answer.json()) == (200, {})
    left = (await masto.get("/api/v1/notifications", "alice")).json()
    assert [n["id"] for n in left] == [older["id"]]


async def test_clear_removes_all_of_the_members_only(masto: Masto) -> None:
    _notify(masto, "alice", 2)
    _notify(masto, "bob", 1)
    answer = await masto.post("/api/v1/notifications/clear", "alice")
    assert answer.status_code == 200
    assert (await masto.get("/api/v1/notifications", "alice")).json() == []
    assert len((await masto.get("/api/v1/notifications", "bob")).json()) == 1


async def test_reading_needs_read_notifications(masto: Masto) -> None:
    token = await masto.scoped_token("alice", "read:statuses")
    assert (await masto.get("/api/v1/notifications", token)).status_code == 403


async def test_clearing_needs_write_notifications(masto: Masto) -> None:
    token = await masto.scoped_token("alice", "read")
    assert (await masto.post("/api/v1/notifications/clear", token)).status_code == 403
