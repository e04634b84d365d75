"""The threads of a followed discussion Group (another city's, Lemmy's) in the home timeline:
in process (a kept thread of a Group the member follows, or does not), and with Mastodon.py
between two live cities (bob of B finds A's Group by its URL, follows it from his app, and
sees the thread alice starts there in his home)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from exchange import members
from exchange.discussions import SpaceDraft
from models import GroupThread, Note, RemoteActor, SpaceAudience
from services import discussions

from ..e2e.helpers import act, add_member, eventually
from ..live import LiveCity
from .mastodon_city import Masto
from .test_mastodon_py_client import OPEN_MARKET, _logged_in


def _kept_thread(masto: Masto, group_id: int, author_id: int, title: str) -> str:
    """A thread of that Group, kept as inbox/group_announces.py keeps it."""
    uri = masto.remote_note(author_id, title)

    def keep(session: Any) -> None:
        group = session.get(RemoteActor, group_id)
        note = session.scalar(select(Note).where(Note.uri == uri))
        session.add(GroupThread(note_id=note.id, group_uri=group.uri))

    masto.db.write_sync(keep)
    return uri


async def _home_uris(masto: Masto, who: str) -> list[str]:
    return [s["uri"] for s in (await masto.get("/api/v1/timelines/home", who)).json()]


async def test_a_followed_groups_threads_are_at_home(masto: Masto) -> None:
    group, dave = masto.remote("gardens", kind="Group"), masto.remote("dave")
    masto.follows("alice", group)
    uri = _kept_thread(masto, group, dave, "Seeds to swap")
    assert await _home_uris(masto, "alice") == [uri]


async def test_a_group_not_followed_stays_out_of_home(masto: Masto) -> None:
    group, dave = masto.remote("gardens", kind="Group"), masto.remote("dave")
    masto.follows("bob", group)
    _kept_thread(masto, group, dave, "Seeds to swap")
    assert await _home_uris(masto, "alice") == []


async def test_a_hidden_thread_of_a_followed_group_is_not_at_home(masto: Masto) -> None:
    group, dave = masto.remote("gardens", kind="Group"), masto.remote("dave")
    masto.follows("alice", group)
    uri = _kept_thread(masto, group, dave, "Removed by a moderator")

    def hide(session: Any) -> None:
        note = session.scalar(select(Note).where(Note.uri == uri))
        note.hidden_at = note.published

    masto.db.write_sync(hide)
    assert await _home_uris(masto, "alice") == []


@pytest.mark.slow
async def test_a_group_followed_from_an_app_brings_its_threads_home(
    start_city: Callable[..., Any],
) -> None:
    a: LiveCity = await start_city(**OPEN_MARKET)
    b: LiveCity = await start_city(**OPEN_MARKET)
    add_member(a, "alice")
    add_member(b, "bob")
    draft = SpaceDraft("gardens", "Gardens", "", SpaceAudience.federated)
    await act(a, lambda s: discussions.open_space(s, a.city, None, draft))
    bob = await asyncio.to_thread(_logged_in, b, "bob")
    found = await asyncio.to_thread(
        bob.search_v2, a.city.urls.discussion_space("gardens"), resolve=True
    )
    (group,) = found["accounts"]
    await asyncio.to_thread(bob.account_follow, group["id"])

    async def following() -> bool:
        (rel,) = await asyncio.to_thread(bob.account_relationships, group["id"])
        return bool(rel["following"])

    await eventually(following)
    alice = a.db.read_sync(lambda s: members.get_member(s, "alice"))
    thread = await act(
        a,
        lambda s: discussions.start_thread(s, a.city, alice, "gardens", "Seed swap", "Saturday"),
    )

    async def at_home() -> list[Any]:
        home = await asyncio.to_thread(bob.timeline_home)
        return [s for s in home if s["uri"] == thread.uri]

    (shown,) = await eventually(at_home)
    assert shown["account"]["acct"] == f"alice@{a.settings.domain}"
    assert "Saturday" in shown["content"]
