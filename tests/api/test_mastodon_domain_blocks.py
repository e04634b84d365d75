"""Members' domain blocks from apps, in process: `GET`, `POST` and `DELETE
/api/v1/domain_blocks`, their scopes and refusals, the paged list, and what a block does:
the domain's accounts leave the member's timelines and notifications, show
`domain_blocking` in the Relationship, and the follows with them end and are refused."""

from __future__ import annotations

import json
from typing import Any

import httpx
import orjson
from sqlalchemy import select

from api.mastodon import streaming
from exchange import notifications, statuses
from exchange.statuses import Viewer
from models import (
    Direction,
    Follow,
    Member,
    Note,
    NotificationKind,
    OutboundActivity,
    RemoteActor,
    Status,
)
from services import blocks

from .mastodon_city import ELSEWHERE, Masto

PATH = "/api/v1/domain_blocks"
OTHER = "other.example"


def _account(actor_id: int) -> str:
    return str(2 * actor_id + 1)


def _sent(masto: Masto) -> list[dict[str, Any]]:
    rows = masto.db.read_sync(
        lambda s: list(s.scalars(select(OutboundActivity.body).order_by(OutboundActivity.id)))
    )
    return [json.loads(b) for b in rows]


async def _delete(masto: Masto, as_: str, **fields: Any) -> httpx.Response:
    return await masto.http.request("DELETE", PATH, json=fields, headers=masto.auth(as_))


async def _listed(masto: Masto, as_: str = "alice", **params: Any) -> list[str]:
    answer = await masto.get(PATH, as_, **params)
    assert answer.status_code == 200, answer.text
    found: list[str] = answer.json()
    return found


def _counted(masto: Masto, name: str) -> int:
    return masto.db.read_sync(
        lambda s: s.scalar(select(Member.blocked_domains).where(Member.username == name))
    )


# ---------------------------------------------------------------------- the endpoints


async def test_blocking_a_domain_answers_empty_and_lists_it(masto: Masto) -> None:
    answer = await masto.post(PATH, "alice", domain=ELSEWHERE)
    assert (answer.status_code, answer.json()) == (200, {})
    assert await _listed(masto) == [ELSEWHERE]


async def test_a_domain_is_taken_from_a_form_too(masto: Masto) -> None:
    answer = await masto.http.post(PATH, data={"domain": ELSEWHERE}, headers=masto.auth("alice"))
    assert (answer.status_code, answer.json()) == (200, {})
    assert await _listed(masto) == [ELSEWHERE]


async def test_the_domain_is_normalized_as_domain_rules_are(masto: Masto) -> None:
    await masto.post(PATH, "alice", domain="  Town.EXAMPLE. ")
    await masto.post(PATH, "alice", domain="bücher.example")
    assert await _listed(masto) == ["xn--bcher-kva.example", ELSEWHERE]


async def test_blocking_a_domain_twice_lists_it_once(masto: Masto) -> None:
    for _ in range(2):
        assert (await masto.post(PATH, "alice", domain=ELSEWHERE)).status_code == 200
    assert await _listed(masto) == [ELSEWHERE]
    assert _counted(masto, "alice") == 1


async def test_unblocking_removes_the_domain(masto: Masto) -> None:
    await masto.post(PATH, "alice", domain=ELSEWHERE)
    answer = await _delete(masto, "alice", domain="TOWN.example")
    assert (answer.status_code, answer.json()) == (200, {})
    assert await _listed(masto) == []
    assert _counted(masto, "alice") == 0


async def test_unblocking_takes_the_domain_from_the_query_string(masto: Masto) -> None:
    await masto.post(PATH, "alice", domain=ELSEWHERE)
    answer = await masto.http.delete(
        PATH, params={"domain": ELSEWHERE}, headers=masto.auth("alice")
    )
    assert answer.status_code == 200
    assert await _listed(masto) == []


async def test_unblocking_a_domain_not_blocked_is_no_error(masto: Masto) -> None:
    answer = await _delete(masto, "alice", domain=ELSEWHERE)
    assert (answer.status_code, answer.json()) == (200, {})


async def test_bobs_domain_blocks_are_not_alices(masto: Masto) -> None:
    await masto.post(PATH, "bob", domain=ELSEWHERE)
    assert await _listed(masto) == []
    assert _counted(masto, "bob") == 1 and _counted(masto, "alice") == 0


async def test_domain_blocks_are_paged_newest_first_with_link_headers(masto: Masto) -> None:
    domains = [f"d{i}.example" for i in range(5)]
    for domain in domains:
        await masto.post(PATH, "alice", domain=domain)
    first = await masto.get(PATH, "alice", limit="2")
    assert first.json() == ["d4.example", "d3.example"]
    assert 'rel="next"' in first.headers["link"] and 'rel="prev"' in first.headers["link"]
    seen: list[str] = list(first.json())
    url = first.links["next"]["url"]
    while url:
        page = await masto.http.get(url, headers=masto.auth("alice"))
        if not page.json():
            break
        seen += page.json()
        url = page.links["next"]["url"]
    assert seen == domains[::-1]
    newer = await masto.http.get(first.links["prev"]["url"], headers=masto.auth("alice"))
    assert newer.json() == []


async def test_the_list_is_100_by_default_and_200_at_most(masto: Masto) -> None:
    member_id = masto.member_id("alice")

    def many(session: Any) -> None:
        member = session.get_one(Member, member_id)
        for i in range(201):
            blocks.block_domain(session, masto.city, member, f"d{i}.example")

    masto.db.write_sync(many)
    assert len(await _listed(masto)) == 100
    assert len(await _listed(masto, limit="500")) == 200


# ---------------------------------------------------------------------- scopes and refusals


async def test_a_read_token_cannot_block_or_unblock(masto: Masto) -> None:
    token = await masto.scoped_token("alice", "read")
    assert (await masto.post(PATH, token, domain=ELSEWHERE)).status_code == 403
    refused = await _delete(masto, token, domain=ELSEWHERE)
    assert refused.status_code == 403
    assert refused.json() == {"error": "This action is outside the authorized scopes"}
    assert await _listed(masto, token) == []


async def test_no_token_is_401(masto: Masto) -> None:
    assert (await masto.get(PATH)).status_code == 401
    assert (await masto.post(PATH, domain=ELSEWHERE)).status_code == 401
    answer = await masto.http.request("DELETE", PATH, json={"domain": ELSEWHERE})
    assert answer.status_code == 401 and "error" in answer.json()


async def test_the_list_needs_read_blocks(masto: Masto) -> None:
    token = await masto.scoped_token("alice", "read:statuses write")
    answer = await masto.get(PATH, token)
    assert answer.status_code == 403
    assert answer.json() == {"error": "This action is outside the authorized scopes"}


async def test_write_blocks_alone_blocks(masto: Masto) -> None:
    token = await masto.scoped_token("alice", "write:blocks")
    assert (await masto.post(PATH, token, domain=ELSEWHERE)).status_code == 200
    assert (await masto.get(PATH, token)).status_code == 403


async def test_the_follow_scope_covers_domain_blocks(masto: Masto) -> None:
    token = await masto.scoped_token("alice", "follow")
    assert (await masto.post(PATH, token, domain=ELSEWHERE)).status_code == 200
    assert await _listed(masto, token) == [ELSEWHERE]
    assert (await _delete(masto, token, domain=ELSEWHERE)).status_code == 200


async def test_a_blank_missing_or_invalid_domain_is_422(masto: Masto) -> None:
    for sent in ({"domain": ""}, {"domain": "   "}, {}, {"domain": "https://town.example/"}):
        answer = await masto.post(PATH, "alice", **sent)
        assert answer.status_code == 422, sent
        assert isinstance(answer.json()["error"], str)
    for bad in ("*.town.example", "not a domain", "com"):
        assert (await masto.post(PATH, "alice", domain=bad)).status_code == 422, bad
    assert await _listed(masto) == []


async def test_blocking_our_own_domain_is_422(masto: Masto) -> None:
    own = masto.city.settings.domain
    answer = await masto.post(PATH, "alice", domain=own.upper())
    assert answer.status_code == 422
    assert "own domain" in answer.json()["error"]
    assert await _listed(masto) == []


# ---------------------------------------------------------------------- timelines


async def test_a_blocked_domains_statuses_and_reblogs_leave_home(masto: Masto) -> None:
    carol, dave = masto.remote("carol"), masto.remote("dave", OTHER)
    masto.follows("alice", dave)
    kept = masto.remote_note(dave, "From dave")
    bobs = await masto.status("bob", "bob's note")
    masto.db.write_sync(
        lambda s: s.add(Status(reblog_of_id=int(bobs["id"]), reblog_actor_id=carol))
    )
    masto.follows("alice", carol)
    masto.remote_note(carol, "From carol")
    assert len((await masto.get("/api/v1/timelines/home", "alice")).json()) == 3
    await masto.post(PATH, "alice", domain=ELSEWHERE)
    home = (await masto.get("/api/v1/timelines/home", "alice")).json()
    assert [s["uri"] for s in home] == [kept]


async def test_a_reblog_of_a_blocked_domains_status_leaves_home(masto: Masto) -> None:
    carol, dave = masto.remote("carol"), masto.remote("dave", OTHER)
    masto.follows("alice", dave)
    masto.remote_note(carol, "From carol")
    note_status = masto.db.read_sync(
        lambda s: s.scalar(select(Status.id).order_by(Status.id.desc()))
    )
    masto.db.write_sync(lambda s: s.add(Status(reblog_of_id=note_status, reblog_actor_id=dave)))
    assert len((await masto.get("/api/v1/timelines/home", "alice")).json()) == 1
    await masto.post(PATH, "alice", domain=ELSEWHERE)
    assert (await masto.get("/api/v1/timelines/home", "alice")).json() == []


async def test_a_blocked_domains_statuses_leave_the_public_and_tag_timelines(
    masto: Masto,
) -> None:
    carol, dave = masto.remote("carol"), masto.remote("dave", OTHER)
    masto.remote_note(carol, "From carol")
    masto.remote_listing(carol, "Bike", category="velo")
    kept = masto.remote_note(dave, "From dave")
    await masto.post(PATH, "alice", domain=ELSEWHERE)
    public = (await masto.get("/api/v1/timelines/public", "alice")).json()
    assert [s["uri"] for s in public] == [kept]
    assert (await masto.get("/api/v1/timelines/tag/velo", "alice")).json() == []
    assert len((await masto.get("/api/v1/timelines/tag/velo", "bob")).json()) == 1
    assert len((await masto.get("/api/v1/timelines/public", "bob")).json()) == 3


async def test_a_blocked_domains_statuses_leave_a_list(masto: Masto) -> None:
    carol = masto.remote("carol")
    masto.follows("alice", carol)
    masto.remote_note(carol, "From carol")
    made = (await masto.post("/api/v1/lists", "alice", title="Town")).json()
    await masto.post(f"/api/v1/lists/{made['id']}/accounts", "alice", account_ids=[_account(carol)])
    assert len((await masto.get(f"/api/v1/timelines/list/{made['id']}", "alice")).json()) == 1
    await masto.post(PATH, "alice", domain=ELSEWHERE)
    assert (await masto.get(f"/api/v1/timelines/list/{made['id']}", "alice")).json() == []


async def test_a_blocked_domains_statuses_come_back_on_unblock(masto: Masto) -> None:
    carol = masto.remote("carol")
    uri = masto.remote_note(carol, "From carol")
    await masto.post(PATH, "alice", domain=ELSEWHERE)
    await _delete(masto, "alice", domain=ELSEWHERE)
    public = (await masto.get("/api/v1/timelines/public", "alice")).json()
    assert [s["uri"] for s in public] == [uri]


async def test_a_subdomain_of_a_blocked_domain_is_not_blocked(masto: Masto) -> None:
    sub = masto.remote("erin", f"social.{ELSEWHERE}")
    uri = masto.remote_note(sub, "From a subdomain")
    await masto.post(PATH, "alice", domain=ELSEWHERE)
    public = (await masto.get("/api/v1/timelines/public", "alice")).json()
    assert [s["uri"] for s in public] == [uri]


async def test_the_home_statement_names_domain_blocks_only_for_members_who_have_some(
    masto: Masto,
) -> None:
    """Members who block no domain run the home statement of before (docs/BENCHMARKS.md)."""
    without = str(statuses._home_statement(False, False, False, 20, False, False))
    with_blocks = str(statuses._home_statement(False, False, False, 20, False, True))
    assert "member_domain_blocks" not in without
    assert "member_domain_blocks" in with_blocks


async def test_a_stream_opened_before_the_block_leaves_the_domain_out(masto: Masto) -> None:
    carol, dave = masto.remote("carol"), masto.remote("dave", OTHER)
    masto.follows("alice", carol)
    masto.follows("alice", dave)
    alice = masto.db.read_sync(lambda s: s.get(Member, masto.member_id("alice")))
    listener = streaming.Listener(
        masto.city, Viewer(alice, masto.city.urls.member("alice")), {"user", "public"}
    )
    await listener.start()
    await masto.post(PATH, "alice", domain=ELSEWHERE)
    masto.remote_note(carol, "From carol")
    kept = masto.remote_note(dave, "From dave")
    _mention_from(masto, carol)
    events = await listener.events()
    assert sorted((stream, event) for stream, event, _ in events) == [
        ("public", "update"),
        ("user", "update"),
    ]
    assert {orjson.loads(payload)["uri"] for _, _, payload in events} == {kept}


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


async def test_a_blocked_domains_earlier_notifications_are_hidden_until_unblocked(
    masto: Masto,
) -> None:
    carol, dave = masto.remote("carol"), masto.remote("dave", OTHER)
    _mention_from(masto, carol)
    _mention_from(masto, dave)
    await masto.post(PATH, "alice", domain=ELSEWHERE)
    (shown,) = (await masto.get("/api/v1/notifications", "alice")).json()
    assert shown["account"]["id"] == _account(dave)
    await _delete(masto, "alice", domain=ELSEWHERE)
    assert len((await masto.get("/api/v1/notifications", "alice")).json()) == 2


async def test_a_blocked_domain_mentions_nobody_into_notifications(masto: Masto) -> None:
    carol = masto.remote("carol")
    await masto.post(PATH, "alice", domain=ELSEWHERE)
    assert _mention_from(masto, carol) is False
    assert _mention_from(masto, carol, "bob") is True


# ---------------------------------------------------------------------- relationships, follows


async def test_the_relationship_shows_domain_blocking(masto: Masto) -> None:
    carol, dave = masto.remote("carol"), masto.remote("dave", OTHER)
    await masto.post(PATH, "alice", domain=ELSEWHERE)
    shown = (
        await masto.get(
            "/api/v1/accounts/relationships", "alice", **{"id[]": [_account(carol), _account(dave)]}
        )
    ).json()
    assert [r["domain_blocking"] for r in shown] == [True, False]
    assert shown[0]["blocking"] is False
    (bobs,) = (await masto.get("/api/v1/accounts/relationships", "bob", id=_account(carol))).json()
    assert bobs["domain_blocking"] is False
    await _delete(masto, "alice", domain=ELSEWHERE)
    (after,) = (
        await masto.get("/api/v1/accounts/relationships", "alice", id=_account(carol))
    ).json()
    assert after["domain_blocking"] is False


async def test_blocking_a_domain_ends_the_follows_with_its_accounts_both_ways(
    masto: Masto,
) -> None:
    carol, erin, dave = masto.remote("carol"), masto.remote("erin"), masto.remote("dave", OTHER)
    masto.follows("alice", carol)
    masto.follows("alice", erin, Direction.inbound)
    masto.follows("alice", dave)
    masto.follows("bob", carol)
    await masto.post(PATH, "alice", domain=ELSEWHERE)
    left = masto.db.read_sync(
        lambda s: sorted(
            (f.local_actor.rsplit("/", 1)[-1], f.remote_actor_id) for f in s.scalars(select(Follow))
        )
    )
    assert left == sorted([("alice", dave), ("bob", carol)])
    sent = _sent(masto)
    assert [a["type"] for a in sent] == ["Undo", "Reject"]
    undo, reject = sent
    assert undo["object"]["type"] == "Follow" and undo["to"] == [f"https://{ELSEWHERE}/users/carol"]
    assert reject["to"] == [f"https://{ELSEWHERE}/users/erin"]
    assert not [a for a in sent if a["type"] == "Block"]


async def test_following_an_account_of_a_blocked_domain_is_not_allowed(masto: Masto) -> None:
    carol = masto.remote("carol")
    await masto.post(PATH, "alice", domain=ELSEWHERE)
    answer = await masto.post(f"/api/v1/accounts/{_account(carol)}/follow", "alice")
    assert answer.status_code == 403
    assert answer.json() == {"error": "This action is not allowed"}
    assert (
        await masto.post(f"/api/v1/accounts/{_account(carol)}/follow", "bob")
    ).status_code == 200


async def test_a_follow_from_a_blocked_domain_is_refused(masto: Masto) -> None:
    carol, dave = masto.remote("carol"), masto.remote("dave", OTHER)
    await masto.post(PATH, "alice", domain=ELSEWHERE)
    alice = masto.city.urls.member("alice")
    refused = masto.db.read_sync(
        lambda s: [
            blocks.refused_follow(s, masto.city, alice, s.get_one(RemoteActor, actor))
            for actor in (carol, dave)
        ]
    )
    assert refused == [True, False]
