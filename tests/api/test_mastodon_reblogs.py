"""Reblogs in timelines, in process: a member's reblog and a followed account's Announce are
statuses of their own (Mastodon's wrapper: its own id, account and time, `reblog` the
original) in the home timeline and the account's statuses, never in the public ones; undone,
they leave (the journal names them for streaming)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from exchange import status_events
from models import Interaction, Note, StatusEventKind, new_public_id

from ..e2e.helpers import add_member, eventually
from ..live import LiveCity
from .mastodon_city import ELSEWHERE, Masto
from .test_mastodon_py_client import OPEN_MARKET, _logged_in


def _announce(masto: Masto, actor_id: int, object_uri: str) -> str:
    """A remote account's Announce of `object_uri`, stored as the inbox stores it."""
    activity = f"https://{ELSEWHERE}/announces/{new_public_id()}"
    masto.db.write_sync(
        lambda s: s.add(
            Interaction(
                activity_uri=activity,
                type="Announce",
                remote_actor_id=actor_id,
                object_uri=object_uri,
            )
        )
    )
    return activity


def _undo(masto: Masto, activity: str) -> None:
    """The Undo of that Announce, as the inbox applies it (the row deleted as an object)."""

    def work(session: Any) -> None:
        for done in session.scalars(
            select(Interaction).where(Interaction.activity_uri == activity)
        ):
            session.delete(done)

    masto.db.write_sync(work)


async def _home(masto: Masto, who: str, **params: Any) -> list[dict[str, Any]]:
    answer = await masto.get("/api/v1/timelines/home", who, **params)
    assert answer.status_code == 200
    result: list[dict[str, Any]] = answer.json()
    return result


async def test_a_members_reblog_is_a_status_of_hers_in_her_home(masto: Masto) -> None:
    original = await masto.status("bob", "bread is ready")
    wrapper = (await masto.post(f"/api/v1/statuses/{original['id']}/reblog", "alice")).json()
    (shown,) = await _home(masto, "alice")
    assert shown["id"] == wrapper["id"] != original["id"]
    assert int(shown["id"]) > int(original["id"])
    assert shown["account"]["id"] == masto.account_id("alice")
    assert shown["content"] == ""
    assert shown["reblog"]["id"] == original["id"]
    assert shown["reblog"]["account"]["id"] == masto.account_id("bob")
    assert shown["reblog"]["reblogged"] is True
    assert shown["reblog"]["reblogs_count"] == 1


async def test_the_wrapper_is_shown_alone_by_its_id(masto: Masto) -> None:
    original = await masto.status("bob", "soup tonight")
    wrapper = (await masto.post(f"/api/v1/statuses/{original['id']}/reblog", "alice")).json()
    shown = (await masto.get(f"/api/v1/statuses/{wrapper['id']}", "bob")).json()
    assert shown["reblog"]["id"] == original["id"]
    assert shown["reblog"]["reblogged"] is False  # bob did not reblog it
    assert shown["reblog"]["reblogs_count"] == 1


async def test_a_followed_accounts_announce_is_a_reblog_in_home(masto: Masto) -> None:
    carol, dave = masto.remote("carol"), masto.remote("dave")
    masto.follows("alice", carol)
    uri = masto.remote_note(dave, "dave's news")
    _announce(masto, carol, uri)
    (shown,) = await _home(masto, "alice")
    assert shown["account"]["acct"] == f"carol@{ELSEWHERE}"
    assert shown["reblog"]["uri"] == uri
    assert shown["reblog"]["account"]["acct"] == f"dave@{ELSEWHERE}"
    assert shown["reblog"]["reblogs_count"] == 1


async def test_an_announce_by_an_account_not_followed_stays_out_of_home(masto: Masto) -> None:
    carol, dave = masto.remote("carol"), masto.remote("dave")
    uri = masto.remote_note(dave, "dave's news")
    _announce(masto, carol, uri)
    assert await _home(masto, "alice") == []


async def test_a_reblog_of_a_followers_only_note_is_not_shown(masto: Masto) -> None:
    carol, dave = masto.remote("carol"), masto.remote("dave")
    masto.follows("alice", carol)
    uri = masto.remote_note(dave, "for dave's followers", visibility="followers")
    _announce(masto, carol, uri)
    assert await _home(masto, "alice") == []


async def test_public_timelines_show_no_reblogs(masto: Masto) -> None:
    original = await masto.status("bob", "market day")
    await masto.post(f"/api/v1/statuses/{original['id']}/reblog", "alice")
    for local in ("false", "true"):
        found = (await masto.get("/api/v1/timelines/public", "alice", local=local)).json()
        assert [s["id"] for s in found] == [original["id"]]


async def test_an_accounts_statuses_hold_its_reblogs_unless_excluded(masto: Masto) -> None:
    original = await masto.status("bob", "market day")
    mine = await masto.status("alice", "my own")
    wrapper = (await masto.post(f"/api/v1/statuses/{original['id']}/reblog", "alice")).json()
    path = f"/api/v1/accounts/{masto.account_id('alice')}/statuses"
    found = (await masto.get(path, "bob")).json()
    assert [s["id"] for s in found] == [wrapper["id"], mine["id"]]
    found = (await masto.get(path, "bob", exclude_reblogs="true")).json()
    assert [s["id"] for s in found] == [mine["id"]]


async def test_home_pages_through_reblogs_without_loss_or_repeat(masto: Masto) -> None:
    carol = masto.remote("carol")
    masto.follows("alice", carol)
    made: list[str] = []
    for n in range(3):
        original = await masto.status("bob", f"note {n}")
        mine = await masto.status("alice", f"mine {n}")
        made.append(mine["id"])
        wrapper = (await masto.post(f"/api/v1/statuses/{original['id']}/reblog", "alice")).json()
        made.append(wrapper["id"])
    newest_first = made[::-1]
    first = await _home(masto, "alice", limit=2)
    second = await _home(masto, "alice", limit=2, max_id=first[-1]["id"])
    rest = await _home(masto, "alice", limit=10, max_id=second[-1]["id"])
    assert [s["id"] for s in first + second + rest] == newest_first
    above = await _home(masto, "alice", limit=2, min_id=newest_first[3])
    assert [s["id"] for s in above] == newest_first[1:3]
    since = await _home(masto, "alice", limit=10, since_id=newest_first[2])
    assert [s["id"] for s in since] == newest_first[:2]


async def test_unreblogging_removes_the_reblog_and_journals_a_delete(masto: Masto) -> None:
    original = await masto.status("bob", "bread is ready")
    before = masto.db.read_sync(status_events.latest)
    wrapper = (await masto.post(f"/api/v1/statuses/{original['id']}/reblog", "alice")).json()
    undone = await masto.post(f"/api/v1/statuses/{original['id']}/unreblog", "alice")
    assert undone.json()["reblogged"] is False
    assert await _home(masto, "alice") == []
    changes = masto.db.read_sync(lambda s: status_events.since(s, before, 40))
    assert [(c.status_id, c.kind) for c in changes] == [
        (int(wrapper["id"]), StatusEventKind.delete)
    ]
    gone = await masto.get(f"/api/v1/statuses/{wrapper['id']}", "alice")
    assert gone.status_code == 404


async def test_deleting_ones_reblog_takes_it_back(masto: Masto) -> None:
    original = await masto.status("bob", "bread is ready")
    wrapper = (await masto.post(f"/api/v1/statuses/{original['id']}/reblog", "alice")).json()
    answer = await masto.http.delete(
        f"/api/v1/statuses/{wrapper['id']}", headers=masto.auth("alice")
    )
    assert answer.status_code == 200
    assert await _home(masto, "alice") == []
    shown = (await masto.get(f"/api/v1/statuses/{original['id']}", "alice")).json()
    assert (shown["reblogged"], shown["reblogs_count"]) == (False, 0)


async def test_someone_elses_reblog_cannot_be_deleted(masto: Masto) -> None:
    original = await masto.status("bob", "bread is ready")
    wrapper = (await masto.post(f"/api/v1/statuses/{original['id']}/reblog", "alice")).json()
    answer = await masto.http.delete(f"/api/v1/statuses/{wrapper['id']}", headers=masto.auth("bob"))
    assert answer.status_code in (404, 422)
    assert [s["id"] for s in await _home(masto, "alice")] == [wrapper["id"]]


async def test_an_undone_announce_leaves_home(masto: Masto) -> None:
    carol, dave = masto.remote("carol"), masto.remote("dave")
    masto.follows("alice", carol)
    uri = masto.remote_note(dave, "dave's news")
    activity = _announce(masto, carol, uri)
    assert len(await _home(masto, "alice")) == 1
    _undo(masto, activity)
    assert await _home(masto, "alice") == []


async def test_a_deleted_original_takes_its_reblogs_along(masto: Masto) -> None:
    carol, dave = masto.remote("carol"), masto.remote("dave")
    masto.follows("alice", carol)
    uri = masto.remote_note(dave, "dave's news")
    _announce(masto, carol, uri)
    before = masto.db.read_sync(status_events.latest)

    def delete(session: Any) -> None:
        note = session.scalar(select(Note).where(Note.uri == uri))
        note.deleted_at = note.published

    masto.db.write_sync(delete)
    assert await _home(masto, "alice") == []
    changes = masto.db.read_sync(lambda s: status_events.since(s, before, 40))
    assert len([c for c in changes if c.kind is StatusEventKind.delete]) == 2


async def test_favouriting_a_reblog_favourites_its_original(masto: Masto) -> None:
    original = await masto.status("bob", "bread is ready")
    wrapper = (await masto.post(f"/api/v1/statuses/{original['id']}/reblog", "alice")).json()
    answer = (await masto.post(f"/api/v1/statuses/{wrapper['id']}/favourite", "bob")).json()
    assert answer["id"] == original["id"]
    assert answer["favourited"] is True


async def _reblogged(masto: Masto, text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """bob's note and alice's reblog of it (the wrapper)."""
    original = await masto.status("bob", text)
    wrapper = (await masto.post(f"/api/v1/statuses/{original['id']}/reblog", "alice")).json()
    return original, wrapper


async def test_a_reblogs_reblogged_by_lists_its_originals_rebloggers(masto: Masto) -> None:
    _, wrapper = await _reblogged(masto, "bread is ready")
    answer = await masto.get(f"/api/v1/statuses/{wrapper['id']}/reblogged_by", "bob")
    assert answer.status_code == 200
    assert [a["id"] for a in answer.json()] == [masto.account_id("alice")]


async def test_a_reblogs_favourited_by_lists_its_originals_favouriters(masto: Masto) -> None:
    original, wrapper = await _reblogged(masto, "bread is ready")
    await masto.post(f"/api/v1/statuses/{original['id']}/favourite", "alice")
    answer = await masto.get(f"/api/v1/statuses/{wrapper['id']}/favourited_by", "bob")
    assert answer.status_code == 200
    assert [a["id"] for a in answer.json()] == [masto.account_id("alice")]


async def test_a_reblogs_context_is_its_originals(masto: Masto) -> None:
    original, wrapper = await _reblogged(masto, "bread is ready")
    reply = await masto.status("alice", "how much?", in_reply_to_id=wrapper["id"])
    assert reply["in_reply_to_id"] == original["id"]
    found = (await masto.get(f"/api/v1/statuses/{wrapper['id']}/context", "bob")).json()
    assert [s["id"] for s in found["descendants"]] == [reply["id"]]


async def test_a_reblogs_history_and_source_are_its_originals(masto: Masto) -> None:
    original, wrapper = await _reblogged(masto, "bread is ready")
    edited = await masto.http.put(
        f"/api/v1/statuses/{original['id']}",
        json={"status": "bread is gone"},
        headers=masto.auth("bob"),
    )
    assert edited.status_code == 200
    versions = (await masto.get(f"/api/v1/statuses/{wrapper['id']}/history", "bob")).json()
    assert ["bread is" in v["content"] for v in versions] == [True, True]
    assert "gone" in versions[-1]["content"]
    source = (await masto.get(f"/api/v1/statuses/{wrapper['id']}/source", "bob")).json()
    assert (source["id"], source["text"]) == (original["id"], "bread is gone")


async def test_reblogging_a_reblog_reblogs_its_original_once(masto: Masto) -> None:
    original, wrapper = await _reblogged(masto, "bread is ready")
    masto.member("carol")
    again = (await masto.post(f"/api/v1/statuses/{wrapper['id']}/reblog", "carol")).json()
    assert again["reblog"]["id"] == original["id"]
    assert again["reblog"]["reblogs_count"] == 2
    undone = (await masto.post(f"/api/v1/statuses/{wrapper['id']}/unreblog", "carol")).json()
    assert (undone["id"], undone["reblogged"]) == (original["id"], False)


async def test_a_reblog_of_a_deleted_note_names_nothing(masto: Masto) -> None:
    original, wrapper = await _reblogged(masto, "bread is ready")
    gone = await masto.http.delete(f"/api/v1/statuses/{original['id']}", headers=masto.auth("bob"))
    assert gone.status_code == 200
    for path in ("reblogged_by", "favourited_by", "context", "history", "source"):
        answer = await masto.get(f"/api/v1/statuses/{wrapper['id']}/{path}", "alice")
        assert answer.status_code == 404, path


@pytest.mark.slow
async def test_a_followed_members_boost_reaches_home_in_another_city_and_is_undone(
    start_city: Callable[..., Any],
) -> None:
    """alice (city A) boosts carol's note (A); bob (city B) follows alice: B fetches the
    note it never had and shows alice's reblog of it; alice's unreblog takes it away."""
    a: LiveCity = await start_city(**OPEN_MARKET)
    b: LiveCity = await start_city(**OPEN_MARKET)
    add_member(a, "alice")
    add_member(a, "carol")
    add_member(b, "bob")
    alice, carol, bob = await asyncio.gather(
        asyncio.to_thread(_logged_in, a, "alice"),
        asyncio.to_thread(_logged_in, a, "carol"),
        asyncio.to_thread(_logged_in, b, "bob"),
    )
    found = await asyncio.to_thread(bob.account_lookup, f"alice@{a.settings.domain}")
    await asyncio.to_thread(bob.account_follow, found["id"])

    async def following() -> bool:
        (rel,) = await asyncio.to_thread(bob.account_relationships, found["id"])
        return bool(rel["following"])

    await eventually(following)
    note = await asyncio.to_thread(carol.status_post, "Apples at the square")
    await asyncio.to_thread(alice.status_reblog, note["id"])

    async def boosted() -> list[Any]:
        home = await asyncio.to_thread(bob.timeline_home)
        return [s for s in home if s["reblog"] and s["reblog"]["uri"] == note["uri"]]

    (shown,) = await eventually(boosted)
    assert shown["account"]["acct"] == f"alice@{a.settings.domain}"
    assert shown["reblog"]["account"]["acct"] == f"carol@{a.settings.domain}"
    assert "Apples at the square" in shown["reblog"]["content"]
    statuses = await asyncio.to_thread(bob.account_statuses, found["id"])
    assert [s["id"] for s in statuses if s["reblog"]] == [shown["id"]]

    await asyncio.to_thread(alice.status_unreblog, note["id"])

    async def gone() -> bool:
        return not await boosted()

    await eventually(gone)


async def test_a_followers_only_note_cannot_be_reblogged(masto: Masto) -> None:
    private = await masto.status("bob", "for my followers", visibility="private")
    answer = await masto.post(f"/api/v1/statuses/{private['id']}/reblog", "bob")
    assert answer.status_code == 403
    assert answer.json()["error"] == "This action is not allowed"
    assert await _home(masto, "bob") == [private]


async def test_a_reblog_of_a_hidden_note_is_gone_and_cannot_be_acted_on(masto: Masto) -> None:
    carol, dave = masto.remote("carol"), masto.remote("dave")
    masto.follows("alice", carol)
    uri = masto.remote_note(dave, "dave's news")
    _announce(masto, carol, uri)
    (shown,) = await _home(masto, "alice")

    def hide(session: Any) -> None:
        note = session.scalar(select(Note).where(Note.uri == uri))
        note.hidden_at = note.published

    masto.db.write_sync(hide)
    assert await _home(masto, "alice") == []
    assert (await masto.get(f"/api/v1/statuses/{shown['id']}", "alice")).status_code == 404
    liked = await masto.post(f"/api/v1/statuses/{shown['id']}/favourite", "alice")
    assert liked.status_code == 404


async def test_a_reblog_is_not_edited_as_its_original(masto: Masto) -> None:
    own = await masto.status("alice", "bread is ready")
    wrapper = (await masto.post(f"/api/v1/statuses/{own['id']}/reblog", "alice")).json()
    answer = await masto.http.put(
        f"/api/v1/statuses/{wrapper['id']}", json={"status": "changed"}, headers=masto.auth("alice")
    )
    assert answer.status_code == 422
    shown = (await masto.get(f"/api/v1/statuses/{own['id']}", "alice")).json()
    assert "bread is ready" in shown["content"]
