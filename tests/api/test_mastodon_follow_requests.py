"""`/api/v1/follow_requests`: a locked member's pending followers, authorized or rejected
from an app; `locked` set through update_credentials."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from models import Direction, Follow, FollowState, Member, OutboundActivity, new_public_id

from ..e2e.helpers import add_member, eventually
from ..live import LiveCity
from .mastodon_city import ELSEWHERE, Masto
from .test_mastodon_py_client import _logged_in


def _asks_to_follow(masto: Masto, name: str, actor_id: int) -> None:
    """A remote Follow of `name` waiting for an answer, as the inbox leaves it."""
    masto.db.write_sync(
        lambda s: s.add(
            Follow(
                local_actor=masto.city.urls.member(name),
                remote_actor_id=actor_id,
                direction=Direction.inbound,
                state=FollowState.pending,
                activity_uri=f"https://{ELSEWHERE}/follows/{new_public_id()}",
            )
        )
    )


def _state(masto: Masto, actor_id: int) -> FollowState | None:
    return masto.db.read_sync(
        lambda s: s.scalar(select(Follow.state).where(Follow.remote_actor_id == actor_id))
    )


def _answers(masto: Masto, kind: str) -> int:
    rows = masto.db.read_sync(lambda s: list(s.scalars(select(OutboundActivity.type))))
    return rows.count(kind)


async def test_update_credentials_locks_the_account(masto: Masto) -> None:
    answer = await masto.http.patch(
        "/api/v1/accounts/update_credentials", data={"locked": "true"}, headers=masto.auth("alice")
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["locked"] is True
    locked = masto.db.read_sync(
        lambda s: s.scalar(
            select(Member.manually_approves_followers).where(Member.username == "alice")
        )
    )
    assert locked is True


async def test_lists_pending_followers_and_authorizes_one(masto: Masto) -> None:
    carol, dan = masto.remote("carol"), masto.remote("dan")
    _asks_to_follow(masto, "alice", carol)
    _asks_to_follow(masto, "alice", dan)
    listed = await masto.get("/api/v1/follow_requests", "alice")
    assert [a["acct"] for a in listed.json()] == [f"dan@{ELSEWHERE}", f"carol@{ELSEWHERE}"]
    assert (await masto.get("/api/v1/follow_requests", "bob")).json() == []
    (before,) = (
        await masto.get("/api/v1/accounts/relationships", "alice", id=str(2 * carol + 1))
    ).json()
    assert before["requested_by"] is True
    answer = await masto.post(f"/api/v1/follow_requests/{2 * carol + 1}/authorize", "alice")
    assert answer.status_code == 200, answer.text
    assert answer.json()["followed_by"] is True
    assert answer.json()["requested_by"] is False
    assert _state(masto, carol) is FollowState.accepted
    assert _answers(masto, "Accept") == 1
    left = (await masto.get("/api/v1/follow_requests", "alice")).json()
    assert [a["acct"] for a in left] == [f"dan@{ELSEWHERE}"]


async def test_rejects_a_follow_request(masto: Masto) -> None:
    carol = masto.remote("carol")
    _asks_to_follow(masto, "alice", carol)
    answer = await masto.post(f"/api/v1/follow_requests/{2 * carol + 1}/reject", "alice")
    assert answer.status_code == 200, answer.text
    assert answer.json()["followed_by"] is False
    assert _state(masto, carol) in (None, FollowState.failed)
    assert _answers(masto, "Reject") == 1
    again = await masto.post(f"/api/v1/follow_requests/{2 * carol + 1}/reject", "alice")
    assert again.status_code == 404


async def test_only_the_followed_member_answers_with_the_follows_scope(masto: Masto) -> None:
    carol = masto.remote("carol")
    _asks_to_follow(masto, "alice", carol)
    assert (
        await masto.post(f"/api/v1/follow_requests/{2 * carol + 1}/authorize", "bob")
    ).status_code == 404
    reader = await masto.scoped_token("alice", "read")
    refused = await masto.post(f"/api/v1/follow_requests/{2 * carol + 1}/authorize", reader)
    assert refused.status_code == 403
    assert _state(masto, carol) is FollowState.pending


@pytest.mark.slow
async def test_a_member_of_another_city_waits_for_the_locked_members_answer(
    start_city: Callable[..., Any],
) -> None:
    a: LiveCity = await start_city()
    b: LiveCity = await start_city()
    add_member(a, "alice")
    add_member(b, "bob")
    alice = await asyncio.to_thread(_logged_in, a, "alice")
    bob = await asyncio.to_thread(_logged_in, b, "bob")
    await asyncio.to_thread(alice.account_update_credentials, locked=True)
    target = await asyncio.to_thread(bob.account_lookup, f"alice@{a.settings.domain}")
    await asyncio.to_thread(bob.account_follow, target["id"])

    async def asked() -> list[Any]:
        return await asyncio.to_thread(alice.follow_requests)

    (request,) = await eventually(asked)
    assert request["acct"] == f"bob@{b.settings.domain}"
    (notification,) = await asyncio.to_thread(alice.notifications)
    assert notification["type"] == "follow_request"
    await asyncio.to_thread(alice.follow_request_authorize, request["id"])

    async def following() -> bool:
        (rel,) = await asyncio.to_thread(bob.account_relationships, target["id"])
        return bool(rel["following"])

    await eventually(following)
