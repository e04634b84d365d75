"""Blocks and mutes from apps, in process: the endpoints and their scopes, the lists and their
paging, the Relationship, the follows a block ends and the activities it sends, and what
leaves the member's timelines and notifications. Between two live cities:
tests/e2e/test_blocks.py."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from exchange import notifications
from models import (
    AccountMute,
    Direction,
    Follow,
    FollowState,
    Note,
    NotificationKind,
    OutboundActivity,
    RemoteActor,
    Status,
    utcnow,
)
from services import blocks, social

from .mastodon_city import ELSEWHERE, Masto

CAROL = f"https://{ELSEWHERE}/users/carol"


def _sent(masto: Masto) -> list[dict[str, Any]]:
    rows = masto.db.read_sync(
        lambda s: list(s.scalars(select(OutboundActivity.body).order_by(OutboundActivity.id)))
    )
    return [json.loads(b) for b in rows]


def _account(actor_id: int) -> str:
    return str(2 * actor_id + 1)


def _follows(masto: Masto) -> list[tuple[Direction, FollowState]]:
    return masto.db.read_sync(
        lambda s: [tuple(r) for r in s.execute(select(Follow.direction, Follow.state))]
    )


# ---------------------------------------------------------------------- blocks


async def test_blocking_a_remote_account_sends_a_block_and_shows_in_the_relationship(
    masto: Masto,
) -> None:
    carol = masto.remote("carol")
    answer = await masto.post(f"/api/v1/accounts/{_account(carol)}/block", "alice")
    assert answer.status_code == 200, answer.text
    assert answer.json()["blocking"] is True and answer.json()["blocked_by"] is False
    (block,) = [a for a in _sent(masto) if a["type"] == "Block"]
    assert block["actor"] == masto.city.urls.member("alice")
    assert block["object"] == CAROL and block["to"] == [CAROL]
    (shown,) = (
        await masto.get("/api/v1/accounts/relationships", "alice", id=_account(carol))
    ).json()
    assert shown["blocking"] is True


async def test_blocking_ends_the_follows_both_ways(masto: Masto) -> None:
    carol = masto.remote("carol")
    masto.follows("alice", carol)
    masto.follows("alice", carol, Direction.inbound)
    answer = await masto.post(f"/api/v1/accounts/{_account(carol)}/block", "alice")
    assert answer.json()["following"] is False and answer.json()["followed_by"] is False
    assert _follows(masto) == []
    kinds = [a["type"] for a in _sent(masto)]
    assert kinds == ["Undo", "Reject", "Block"]


async def test_unblocking_sends_an_undo_of_the_block(masto: Masto) -> None:
    carol = masto.remote("carol")
    await masto.post(f"/api/v1/accounts/{_account(carol)}/block", "alice")
    answer = await masto.post(f"/api/v1/accounts/{_account(carol)}/unblock", "alice")
    assert answer.json()["blocking"] is False
    block, undo = [a for a in _sent(masto) if a["type"] in ("Block", "Undo")]
    assert undo["object"]["id"] == block["id"] and undo["object"]["type"] == "Block"
    assert undo["to"] == [CAROL]


async def test_blocking_twice_sends_one_block(masto: Masto) -> None:
    carol = masto.remote("carol")
    for _ in range(2):
        await masto.post(f"/api/v1/accounts/{_account(carol)}/block", "alice")
    assert [a["type"] for a in _sent(masto)] == ["Block"]


async def test_blocking_a_member_sends_nothing_and_both_sides_see_it(masto: Masto) -> None:
    answer = await masto.post(f"/api/v1/accounts/{masto.account_id('bob')}/block", "alice")
    assert answer.json()["blocking"] is True
    (seen,) = (
        await masto.get("/api/v1/accounts/relationships", "bob", id=masto.account_id("alice"))
    ).json()
    assert seen["blocked_by"] is True and seen["blocking"] is False
    assert _sent(masto) == []


async def test_blocking_yourself_a_space_or_nobody_is_refused(masto: Masto) -> None:
    me = await masto.post(f"/api/v1/accounts/{masto.account_id('alice')}/block", "alice")
    assert me.status_code == 422
    nobody = await masto.post("/api/v1/accounts/999999/block", "alice")
    assert nobody.status_code == 404
    assert nobody.json() == {"error": "Record not found"}


async def test_block_and_unblock_need_write_blocks(masto: Masto) -> None:
    carol = masto.remote("carol")
    token = await masto.scoped_token("alice", "read write:mutes")
    for verb in ("block", "unblock"):
        answer = await masto.post(f"/api/v1/accounts/{_account(carol)}/{verb}", token)
        assert answer.status_code == 403, verb
    assert _sent(masto) == []


async def test_the_follow_scope_covers_blocks_and_mutes(masto: Masto) -> None:
    carol = masto.remote("carol")
    token = await masto.scoped_token("alice", "follow")
    for verb in ("block", "mute"):
        answer = await masto.post(f"/api/v1/accounts/{_account(carol)}/{verb}", token)
        assert answer.status_code == 200, verb
    for path in ("/api/v1/blocks", "/api/v1/mutes"):
        assert len((await masto.get(path, token)).json()) == 1


async def test_the_lists_need_read_blocks_and_read_mutes(masto: Masto) -> None:
    token = await masto.scoped_token("alice", "read:statuses write")
    assert (await masto.get("/api/v1/blocks", token)).status_code == 403
    assert (await masto.get("/api/v1/mutes", token)).status_code == 403
    assert (await masto.get("/api/v1/blocks")).status_code == 401


async def test_blocks_are_paged_newest_first_with_link_headers(masto: Masto) -> None:
    actors = [masto.remote(f"r{i}") for i in range(5)]
    for actor in actors:
        await masto.post(f"/api/v1/accounts/{_account(actor)}/block", "alice")
    first = await masto.get("/api/v1/blocks", "alice", limit="2")
    assert [a["id"] for a in first.json()] == [_account(a) for a in actors[:2:-1]]
    assert 'rel="next"' in first.headers["link"] and 'rel="prev"' in first.headers["link"]
    seen = [a["id"] for a in first.json()]
    url = first.links["next"]["url"]
    while url:
        page = await masto.http.get(url, headers=masto.auth("alice"))
        if not page.json():
            break
        seen += [a["id"] for a in page.json()]
        url = page.links["next"]["url"]
    assert seen == [_account(a) for a in reversed(actors)]


async def test_bobs_blocks_are_not_alices(masto: Masto) -> None:
    carol = masto.remote("carol")
    await masto.post(f"/api/v1/accounts/{_account(carol)}/block", "bob")
    assert (await masto.get("/api/v1/blocks", "alice")).json() == []


# ---------------------------------------------------------------------- follows and blocks


async def test_following_an_account_you_block_is_not_allowed(masto: Masto) -> None:
    carol = masto.remote("carol")
    await masto.post(f"/api/v1/accounts/{_account(carol)}/block", "alice")
    answer = await masto.post(f"/api/v1/accounts/{_account(carol)}/follow", "alice")
    assert answer.status_code == 403
    assert answer.json() == {"error": "This action is not allowed"}


async def test_following_an_account_that_blocks_you_is_not_allowed(masto: Masto) -> None:
    carol = masto.remote("carol")
    _blocked_by(masto, "alice", carol)
    answer = await masto.post(f"/api/v1/accounts/{_account(carol)}/follow", "alice")
    assert answer.status_code == 403
    (shown,) = (
        await masto.get("/api/v1/accounts/relationships", "alice", id=_account(carol))
    ).json()
    assert shown["blocked_by"] is True and shown["blocking"] is False


def _blocked_by(masto: Masto, name: str, actor_id: int) -> None:
    """The remote account's Block of the member received, as the inbox applies it."""
    member_id = masto.member_id(name)

    def work(session: Any) -> None:
        actor = session.get_one(RemoteActor, actor_id)
        blocks.receive_block(session, masto.city, member_id, actor, f"{CAROL}#blocks/1")

    masto.db.write_sync(work)


async def test_a_received_block_ends_the_follows_both_ways_and_sends_nothing(masto: Masto) -> None:
    carol = masto.remote("carol")
    masto.follows("alice", carol)
    masto.follows("alice", carol, Direction.inbound)
    _blocked_by(masto, "alice", carol)
    assert _follows(masto) == []
    assert _sent(masto) == []


async def test_a_follow_from_a_blocked_account_is_rejected(masto: Masto) -> None:
    carol = masto.remote("carol")
    await masto.post(f"/api/v1/accounts/{_account(carol)}/block", "alice")
    alice = masto.city.urls.member("alice")

    def follow(session: Any) -> bool:
        actor = session.get_one(RemoteActor, carol)
        if not blocks.refused_follow(session, masto.city, alice, actor):
            return False
        social.refuse_blocked_follow(session, masto.city, alice, actor, f"{CAROL}#follows/9")
        return True

    assert masto.db.write_sync(follow) is True
    assert _follows(masto) == []
    (reject,) = [a for a in _sent(masto) if a["type"] == "Reject"]
    assert reject["object"]["id"] == f"{CAROL}#follows/9"


async def test_a_follow_from_an_account_not_blocked_is_not_refused(masto: Masto) -> None:
    carol = masto.remote("carol")
    alice = masto.city.urls.member("alice")
    refused = masto.db.read_sync(
        lambda s: blocks.refused_follow(s, masto.city, alice, s.get_one(RemoteActor, carol))
    )
    assert refused is False


async def test_an_undo_of_a_received_block_lets_follows_be_asked_again(masto: Masto) -> None:
    carol = masto.remote("carol")
    _blocked_by(masto, "alice", carol)
    masto.db.write_sync(
        lambda s: blocks.receive_undo_block(
            s, s.get_one(RemoteActor, carol), f"{CAROL}#blocks/1", None
        )
    )
    answer = await masto.post(f"/api/v1/accounts/{_account(carol)}/follow", "alice")
    assert answer.status_code == 200 and answer.json()["requested"] is True


# ---------------------------------------------------------------------- mutes


async def test_muting_shows_in_the_relationship_and_the_list_and_sends_nothing(
    masto: Masto,
) -> None:
    carol = masto.remote("carol")
    answer = await masto.post(f"/api/v1/accounts/{_account(carol)}/mute", "alice")
    assert answer.json()["muting"] is True and answer.json()["muting_notifications"] is True
    (listed,) = (await masto.get("/api/v1/mutes", "alice")).json()
    assert listed["id"] == _account(carol) and listed["mute_expires_at"] is None
    assert _sent(masto) == []


async def test_a_mute_without_notifications_and_with_a_duration(masto: Masto) -> None:
    carol = masto.remote("carol")
    answer = await masto.post(
        f"/api/v1/accounts/{_account(carol)}/mute", "alice", notifications=False, duration=3600
    )
    assert answer.json()["muting"] is True and answer.json()["muting_notifications"] is False
    (listed,) = (await masto.get("/api/v1/mutes", "alice")).json()
    assert listed["mute_expires_at"] is not None


async def test_muting_again_changes_the_mute(masto: Masto) -> None:
    carol = masto.remote("carol")
    path = f"/api/v1/accounts/{_account(carol)}/mute"
    await masto.post(path, "alice", notifications=False)
    answer = await masto.post(path, "alice")
    assert answer.json()["muting_notifications"] is True
    assert len((await masto.get("/api/v1/mutes", "alice")).json()) == 1


async def test_unmuting_removes_the_mute(masto: Masto) -> None:
    carol = masto.remote("carol")
    await masto.post(f"/api/v1/accounts/{_account(carol)}/mute", "alice")
    answer = await masto.post(f"/api/v1/accounts/{_account(carol)}/unmute", "alice")
    assert answer.json()["muting"] is False
    assert (await masto.get("/api/v1/mutes", "alice")).json() == []


async def test_a_bad_duration_is_422(masto: Masto) -> None:
    carol = masto.remote("carol")
    answer = await masto.post(f"/api/v1/accounts/{_account(carol)}/mute", "alice", duration="x")
    assert answer.status_code == 422
    assert (await masto.get("/api/v1/mutes", "alice")).json() == []


async def test_mute_and_unmute_need_write_mutes(masto: Masto) -> None:
    carol = masto.remote("carol")
    token = await masto.scoped_token("alice", "read write:blocks")
    for verb in ("mute", "unmute"):
        answer = await masto.post(f"/api/v1/accounts/{_account(carol)}/{verb}", token)
        assert answer.status_code == 403, verb


def _expire_mutes(masto: Masto) -> None:
    masto.db.write_sync(
        lambda s: s.execute(update(AccountMute).values(expires_at=utcnow() - timedelta(seconds=1)))
    )


async def test_an_expired_mute_applies_no_more_without_any_job(masto: Masto) -> None:
    carol = masto.remote("carol")
    masto.follows("alice", carol)
    uri = masto.remote_note(carol, "Fresh eggs")
    await masto.post(f"/api/v1/accounts/{_account(carol)}/mute", "alice", duration=60)
    assert (await masto.get("/api/v1/timelines/home", "alice")).json() == []
    _expire_mutes(masto)
    home = (await masto.get("/api/v1/timelines/home", "alice")).json()
    assert [s["uri"] for s in home] == [uri]
    assert (await masto.get("/api/v1/mutes", "alice")).json() == []
    (shown,) = (
        await masto.get("/api/v1/accounts/relationships", "alice", id=_account(carol))
    ).json()
    assert shown["muting"] is False


# ---------------------------------------------------------------------- timelines


async def test_a_muted_followed_account_leaves_home_but_not_the_others_home(masto: Masto) -> None:
    carol, dave = masto.remote("carol"), masto.remote("dave")
    for name in ("alice", "bob"):
        masto.follows(name, carol)
    masto.follows("alice", dave)
    masto.remote_note(carol, "From carol")
    kept = masto.remote_note(dave, "From dave")
    await masto.post(f"/api/v1/accounts/{_account(carol)}/mute", "alice")
    home = (await masto.get("/api/v1/timelines/home", "alice")).json()
    assert [s["uri"] for s in home] == [kept]
    assert len((await masto.get("/api/v1/timelines/home", "bob")).json()) == 1


async def test_a_blocked_accounts_reblog_leaves_home(masto: Masto) -> None:
    carol = masto.remote("carol")
    masto.follows("alice", carol)
    mine = await masto.status("bob", "bob's note")
    masto.db.write_sync(lambda s: _reblog_by(s, carol, int(mine["id"])))
    assert len((await masto.get("/api/v1/timelines/home", "alice")).json()) == 1
    await masto.post(f"/api/v1/accounts/{_account(carol)}/mute", "alice")
    assert (await masto.get("/api/v1/timelines/home", "alice")).json() == []


def _reblog_by(session: Any, actor_id: int, status_id: int) -> None:
    session.add(Status(reblog_of_id=status_id, reblog_actor_id=actor_id))


async def test_a_blocked_accounts_statuses_leave_the_public_and_tag_timelines(
    masto: Masto,
) -> None:
    carol, dave = masto.remote("carol"), masto.remote("dave")
    masto.remote_note(carol, "From carol")
    masto.remote_listing(carol, "Bike", category="velo")
    kept = masto.remote_note(dave, "From dave")
    await masto.post(f"/api/v1/accounts/{_account(carol)}/block", "alice")
    public = (await masto.get("/api/v1/timelines/public", "alice")).json()
    assert [s["uri"] for s in public] == [kept]
    assert (await masto.get("/api/v1/timelines/tag/velo", "alice")).json() == []
    assert len((await masto.get("/api/v1/timelines/tag/velo", "bob")).json()) == 1
    assert len((await masto.get("/api/v1/timelines/public")).json()) == 3


async def test_a_blocked_members_statuses_leave_the_public_timeline(masto: Masto) -> None:
    await masto.status("bob", "from bob")
    await masto.post(f"/api/v1/accounts/{masto.account_id('bob')}/block", "alice")
    assert (await masto.get("/api/v1/timelines/public", "alice", local="true")).json() == []


async def test_a_muted_accounts_statuses_leave_a_list(masto: Masto) -> None:
    carol = masto.remote("carol")
    masto.follows("alice", carol)
    masto.remote_note(carol, "From carol")
    made = (await masto.post("/api/v1/lists", "alice", title="Town")).json()
    added = await masto.post(
        f"/api/v1/lists/{made['id']}/accounts", "alice", account_ids=[_account(carol)]
    )
    assert added.status_code == 200, added.text
    assert len((await masto.get(f"/api/v1/timelines/list/{made['id']}", "alice")).json()) == 1
    await masto.post(f"/api/v1/accounts/{_account(carol)}/mute", "alice")
    assert (await masto.get(f"/api/v1/timelines/list/{made['id']}", "alice")).json() == []


# ---------------------------------------------------------------------- notifications


def _mention_from(masto: Masto, actor_id: int, name: str = "alice") -> bool:
    """A remote note mentioning the member, told as the inbox tells it; True if written."""
    uri = masto.remote_note(actor_id, "hello @alice")
    member_id = masto.member_id(name)

    def work(session: Any) -> bool:
        note = session.scalar(select(Note).where(Note.uri == uri))
        told = notifications.notify(
            session,
            member_id,
            NotificationKind.mention,
            code="mention",
            params={"who": "@carol", "excerpt": "hello"},
            remote_actor_id=actor_id,
            note_id=note.id,
        )
        return told is not None

    return bool(masto.db.write_sync(work))


async def test_a_muted_accounts_notifications_are_not_shown(masto: Masto) -> None:
    carol = masto.remote("carol")
    assert _mention_from(masto, carol)
    await masto.post(f"/api/v1/accounts/{_account(carol)}/mute", "alice")
    assert (await masto.get("/api/v1/notifications", "alice")).json() == []


async def test_a_mute_without_notifications_leaves_them_shown(masto: Masto) -> None:
    carol = masto.remote("carol")
    _mention_from(masto, carol)
    await masto.post(f"/api/v1/accounts/{_account(carol)}/mute", "alice", notifications=False)
    (shown,) = (await masto.get("/api/v1/notifications", "alice")).json()
    assert shown["account"]["id"] == _account(carol)


async def test_an_expired_mute_shows_the_notifications_again(masto: Masto) -> None:
    carol = masto.remote("carol")
    _mention_from(masto, carol)
    await masto.post(f"/api/v1/accounts/{_account(carol)}/mute", "alice", duration=60)
    _expire_mutes(masto)
    assert len((await masto.get("/api/v1/notifications", "alice")).json()) == 1


async def test_a_blocked_account_mentions_nobody_into_notifications(masto: Masto) -> None:
    carol = masto.remote("carol")
    await masto.post(f"/api/v1/accounts/{_account(carol)}/block", "alice")
    assert _mention_from(masto, carol) is False
    assert _mention_from(masto, carol, "bob") is True
    assert (await masto.get("/api/v1/notifications", "alice")).json() == []


async def test_earlier_notifications_of_a_blocked_account_are_hidden_and_back_on_unblock(
    masto: Masto,
) -> None:
    carol = masto.remote("carol")
    _mention_from(masto, carol)
    await masto.post(f"/api/v1/accounts/{_account(carol)}/block", "alice")
    assert (await masto.get("/api/v1/notifications", "alice")).json() == []
    await masto.post(f"/api/v1/accounts/{_account(carol)}/unblock", "alice")
    assert len((await masto.get("/api/v1/notifications", "alice")).json()) == 1


async def test_a_blocked_members_mention_is_not_told(masto: Masto) -> None:
    await masto.post(f"/api/v1/accounts/{masto.account_id('bob')}/block", "alice")
    await masto.status("bob", "hello @alice")
    assert (await masto.get("/api/v1/notifications", "alice")).json() == []


async def test_a_muted_members_hashtag_note_leaves_the_tag_timeline(masto: Masto) -> None:
    await masto.status("bob", "Saturday #velo ride")
    assert len((await masto.get("/api/v1/timelines/tag/velo", "alice")).json()) == 1
    await masto.post(f"/api/v1/accounts/{masto.account_id('bob')}/mute", "alice")
    assert (await masto.get("/api/v1/timelines/tag/velo", "alice")).json() == []
    assert len((await masto.get("/api/v1/timelines/tag/velo")).json()) == 1


async def test_a_reblog_of_a_muted_accounts_status_leaves_home(masto: Masto) -> None:
    carol = masto.remote("carol")
    masto.follows("alice", carol)
    bobs = await masto.status("bob", "bob's note")
    masto.db.write_sync(lambda s: _reblog_by(s, carol, int(bobs["id"])))
    assert len((await masto.get("/api/v1/timelines/home", "alice")).json()) == 1
    await masto.post(f"/api/v1/accounts/{masto.account_id('bob')}/mute", "alice")
    assert (await masto.get("/api/v1/timelines/home", "alice")).json() == []


async def test_a_blocked_members_reply_leaves_the_context(masto: Masto) -> None:
    mine = await masto.status("alice", "Who has a pump?")
    await masto.status("bob", "I do", in_reply_to_id=mine["id"])
    before = (await masto.get(f"/api/v1/statuses/{mine['id']}/context", "alice")).json()
    assert len(before["descendants"]) == 1
    await masto.post(f"/api/v1/accounts/{masto.account_id('bob')}/block", "alice")
    after = (await masto.get(f"/api/v1/statuses/{mine['id']}/context", "alice")).json()
    assert after["descendants"] == []
    anyone = (await masto.get(f"/api/v1/statuses/{mine['id']}/context")).json()
    assert len(anyone["descendants"]) == 1
