"""Reblogging this city's discussion threads and replies from an app: those of a federated
space go out as any public status's (an Announce to the member's followers), those of a
members-only space stay in the city (403, as a followers-only note)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from exchange import members
from exchange.discussions import SpaceDraft
from models import OutboundActivity, SpaceAudience
from services import discussions

from .mastodon_city import Masto


def _space(masto: Masto, slug: str, audience: SpaceAudience) -> None:
    draft = SpaceDraft(slug, slug.title(), "", audience)
    masto.db.write_sync(lambda s: discussions.open_space(s, masto.city, None, draft))


def _thread(masto: Masto, slug: str, title: str) -> str:
    """alice starts a thread in the space; its thread's URI."""

    def write(session: Any) -> str:
        member = members.get_member(session, "alice")
        return discussions.start_thread(session, masto.city, member, slug, title, "Come.").uri

    return masto.db.write_sync(write)


async def _status(masto: Masto, uri: str) -> dict[str, Any]:
    found = (await masto.get("/api/v1/timelines/public", "bob", local="true")).json()
    (status,) = [s for s in found if s["uri"] == uri]
    return status


def _announced_by_bob(masto: Masto) -> list[str]:
    """The objects bob's Announces name (the space's Group announces its threads too)."""
    bob = masto.city.urls.member("bob")

    def read(session: Any) -> list[str]:
        query = select(OutboundActivity.object_uri).where(
            OutboundActivity.type == "Announce", OutboundActivity.actor == bob
        )
        return list(session.scalars(query))

    return masto.db.read_sync(read)


async def test_a_federated_spaces_thread_is_reblogged_and_announced(masto: Masto) -> None:
    _space(masto, "stalls", SpaceAudience.federated)
    uri = _thread(masto, "stalls", "Saturday market")
    thread = await _status(masto, uri)
    answer = await masto.post(f"/api/v1/statuses/{thread['id']}/reblog", "bob")
    assert answer.status_code == 200, answer.text
    shown = answer.json()
    assert shown["reblog"]["id"] == thread["id"]
    assert "Saturday market" in shown["reblog"]["content"]
    assert _announced_by_bob(masto) == [uri]
    home = (await masto.get("/api/v1/timelines/home", "bob")).json()
    assert [s["reblog"]["id"] for s in home if s["reblog"]] == [thread["id"]]


async def test_a_reblogged_thread_is_unreblogged(masto: Masto) -> None:
    _space(masto, "stalls", SpaceAudience.federated)
    thread = await _status(masto, _thread(masto, "stalls", "Saturday market"))
    assert (await masto.post(f"/api/v1/statuses/{thread['id']}/reblog", "bob")).status_code == 200
    answer = await masto.post(f"/api/v1/statuses/{thread['id']}/unreblog", "bob")
    assert answer.status_code == 200
    assert answer.json()["reblogged"] is False
    home = (await masto.get("/api/v1/timelines/home", "bob")).json()
    assert [s for s in home if s["reblog"]] == []


async def test_a_members_only_spaces_thread_cannot_be_reblogged(masto: Masto) -> None:
    _space(masto, "neighbours", SpaceAudience.members)
    thread = await _status(masto, _thread(masto, "neighbours", "Our street"))
    answer = await masto.post(f"/api/v1/statuses/{thread['id']}/reblog", "bob")
    assert answer.status_code == 403
    assert answer.json()["error"] == "This action is not allowed"
    assert _announced_by_bob(masto) == []


async def test_a_hidden_threads_reblog_leaves_home(masto: Masto) -> None:
    _space(masto, "stalls", SpaceAudience.federated)
    uri = _thread(masto, "stalls", "Saturday market")
    thread = await _status(masto, uri)
    assert (await masto.post(f"/api/v1/statuses/{thread['id']}/reblog", "bob")).status_code == 200
    home = (await masto.get("/api/v1/timelines/home", "bob")).json()
    assert [s["reblog"]["id"] for s in home if s["reblog"]] == [thread["id"]]
    public_id = uri.rstrip("/").rsplit("/", 1)[1]
    masto.db.write_sync(
        lambda s: discussions.moderate_thread(s, masto.city, None, public_id, "hide")
    )
    home = (await masto.get("/api/v1/timelines/home", "bob")).json()
    assert [s for s in home if s["reblog"]] == []


def _reply(masto: Masto, thread_uri: str, text: str) -> str:
    """alice replies in the thread; the reply's URI."""

    def write(session: Any) -> str:
        member = members.get_member(session, "alice")
        public_id = thread_uri.rstrip("/").rsplit("/", 1)[1]
        return discussions.reply(session, masto.city, member, public_id, text).uri

    return masto.db.write_sync(write)


async def test_a_reply_in_a_federated_space_is_reblogged(masto: Masto) -> None:
    _space(masto, "stalls", SpaceAudience.federated)
    reply_uri = _reply(masto, _thread(masto, "stalls", "Saturday market"), "I bring apples")
    reply = await _status(masto, reply_uri)
    answer = await masto.post(f"/api/v1/statuses/{reply['id']}/reblog", "bob")
    assert answer.status_code == 200, answer.text
    assert _announced_by_bob(masto) == [reply_uri]


async def test_a_reply_in_a_members_only_space_cannot_be_reblogged(masto: Masto) -> None:
    _space(masto, "neighbours", SpaceAudience.members)
    reply_uri = _reply(masto, _thread(masto, "neighbours", "Our street"), "Lights are out")
    reply = await _status(masto, reply_uri)
    answer = await masto.post(f"/api/v1/statuses/{reply['id']}/reblog", "bob")
    assert answer.status_code == 403
