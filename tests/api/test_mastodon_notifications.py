"""`/api/v1/notifications` in process: negotiation events as Mastodon notifications, paging,
one by id, dismiss, clear, scopes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange import direct_messages, interactions, notifications
from models import Member, Note, NotificationKind, RemoteActor
from services import social

from .mastodon_city import ELSEWHERE, Masto

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


async def test_excluding_mentions_leaves_the_other_types(masto: Masto) -> None:
    _notify(masto, "alice", 2)
    _followed_by(masto, "alice", masto.remote("carol"), manual=False)
    answer = await masto.get("/api/v1/notifications", "alice", **{"exclude_types[]": "mention"})
    assert [n["type"] for n in answer.json()] == ["follow"]


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


def _followed_by(masto: Masto, name: str, actor_id: int, *, manual: bool) -> None:
    def work(session: Session) -> None:
        actor = session.get(RemoteActor, actor_id)
        assert actor is not None
        uri = masto.city.urls.member(name)
        social.receive_follow(session, masto.city, uri, actor, f"{actor.uri}/f/1", manual=manual)

    masto.db.write_sync(work)


async def test_a_remote_follower_is_a_follow(masto: Masto) -> None:
    carol = masto.remote("carol")
    _followed_by(masto, "alice", carol, manual=False)
    (found,) = (await masto.get("/api/v1/notifications", "alice")).json()
    assert found["type"] == "follow"
    assert found["account"]["acct"] == f"carol@{ELSEWHERE}"
    assert "status" not in found


async def test_a_follow_to_approve_is_a_follow_request(masto: Masto) -> None:
    carol = masto.remote("carol")
    _followed_by(masto, "alice", carol, manual=True)
    (found,) = (await masto.get("/api/v1/notifications", "alice")).json()
    assert found["type"] == "follow_request"


async def test_a_remote_like_is_a_favourite_of_the_status(masto: Masto) -> None:
    carol = masto.remote("carol")
    posted = await masto.status("alice", "like me")

    def like(session: Session) -> None:
        actor = session.get(RemoteActor, carol)
        assert actor is not None
        interactions.tell_author(session, posted["uri"], actor, "Like")

    masto.db.write_sync(like)
    (found,) = (await masto.get("/api/v1/notifications", "alice")).json()
    assert found["type"] == "favourite"
    assert found["status"]["id"] == posted["id"]
    assert found["account"]["username"] == "carol"


async def test_a_direct_note_received_is_a_mention_of_it(masto: Masto) -> None:
    carol = masto.remote("carol")
    uri = masto.remote_note(carol, "psst", visibility="direct")

    def deliver(session: Session) -> None:
        note = session.scalar(select(Note).where(Note.uri == uri))
        actor = session.get(RemoteActor, carol)
        alice = session.scalar(select(Member).where(Member.username == "alice"))
        assert note is not None and actor is not None and alice is not None
        direct_messages.receive(session, note, actor, [alice])

    masto.db.write_sync(deliver)
    (found,) = (await masto.get("/api/v1/notifications", "alice")).json()
    assert found["type"] == "mention"
    assert found["status"]["uri"] == uri and found["status"]["visibility"] == "direct"


async def test_types_filter_keeps_the_asked_types(masto: Masto) -> None:
    carol = masto.remote("carol")
    _followed_by(masto, "alice", carol, manual=False)
    _notify(masto, "alice", 1)
    follows = (await masto.get("/api/v1/notifications", "alice", **{"types[]": "follow"})).json()
    assert [n["type"] for n in follows] == ["follow"]
