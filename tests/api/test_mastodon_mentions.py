"""`mention` notifications for notes naming a member: a local post's `@name`, a remote
Create whose Mention tags name the member (signed by a real remote actor, the sink, or
posted from a Mastodon app of another live city). Once each; not for followers-only notes;
not from a silenced domain's account the member does not follow; a direct note notifies
once, as a direct message."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import select

from models import DomainRule, Member, Notification, NotificationKind, RuleKind, Severity

from ..e2e.helpers import add_member, eventually, settled
from ..e2e.test_interop_actors import Nameless
from ..live import LiveCity
from ..sink import Sink
from .mastodon_city import Masto
from .test_mastodon_py_client import OPEN_MARKET, _logged_in


async def _mentions(masto: Masto, who: str) -> list[dict[str, Any]]:
    answer = await masto.get("/api/v1/notifications", who, **{"types[]": "mention"})
    assert answer.status_code == 200
    result: list[dict[str, Any]] = answer.json()
    return result


async def test_a_public_note_naming_a_member_notifies_her(masto: Masto) -> None:
    note = await masto.status("alice", "@bob the bread is ready")
    (told,) = await _mentions(masto, "bob")
    assert told["type"] == "mention"
    assert told["account"]["id"] == masto.account_id("alice")
    assert told["status"]["id"] == note["id"]
    assert [m["acct"] for m in told["status"]["mentions"]] == [f"bob@{masto.city.settings.domain}"]


async def test_an_unlisted_note_naming_a_member_notifies_her(masto: Masto) -> None:
    await masto.status("alice", "@bob hello", visibility="unlisted")
    assert len(await _mentions(masto, "bob")) == 1


async def test_a_followers_only_note_notifies_nobody(masto: Masto) -> None:
    await masto.status("alice", "@bob hello", visibility="private")
    assert await _mentions(masto, "bob") == []


async def test_a_direct_note_notifies_once(masto: Masto) -> None:
    await masto.status("alice", "@bob just for you", visibility="direct")
    assert len(await _mentions(masto, "bob")) == 1


async def test_naming_a_member_twice_notifies_once(masto: Masto) -> None:
    await masto.status("alice", "@bob and again @bob")
    assert len(await _mentions(masto, "bob")) == 1


async def test_naming_oneself_notifies_nobody(masto: Masto) -> None:
    await masto.status("alice", "@alice note to self")
    assert await _mentions(masto, "alice") == []


# ---------------------------------------------------------------------- remote notes


@pytest.fixture
async def sink() -> AsyncIterator[Sink]:
    async with Sink() as running:
        yield running


def _note(emily: Nameless, alice: str, path: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": emily.uri + path,
        "type": "Note",
        "attributedTo": emily.uri,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [alice],
        "content": "<p>@alice look</p>",
        "tag": [{"type": "Mention", "href": alice, "name": "@alice"}],
        **fields,
    }


async def _told(city: LiveCity, name: str) -> int:
    def count(session: Any) -> int:
        return len(
            session.scalars(
                select(Notification.id)
                .join(Member, Member.id == Notification.member_id)
                .where(Member.username == name, Notification.kind == NotificationKind.mention)
            ).all()
        )

    return int(await city.db.read(count))


async def test_a_remote_note_mentioning_a_member_notifies_her_once(
    start_city: Callable[..., Any], sink: Sink
) -> None:
    city: LiveCity = await start_city()
    add_member(city, "alice")
    emily = Nameless(sink)
    alice = city.city.urls.member("alice")
    note = _note(emily, alice, "/notes/1")
    create = {"type": "Create", "object": note, "to": note["to"], "cc": note["cc"]}
    assert await emily.send(city, create) == 202
    assert await emily.send(city, create | {"id": emily.uri + "/activities/again"}) == 202
    await settled(city)
    assert await _told(city, "alice") == 1


async def test_a_silenced_domains_mention_is_not_told(
    start_city: Callable[..., Any], sink: Sink
) -> None:
    city: LiveCity = await start_city()
    add_member(city, "alice")
    city.db.write_sync(
        lambda s: s.add(
            DomainRule(domain="127.0.0.1", kind=RuleKind.block, severity=Severity.silence)
        )
    )
    city.city.fediverse.policy.invalidate()
    emily = Nameless(sink)
    alice = city.city.urls.member("alice")
    note = _note(emily, alice, "/notes/2")
    assert await emily.send(city, {"type": "Create", "object": note, "to": note["to"]}) == 202
    await settled(city)
    assert await _told(city, "alice") == 0


@pytest.mark.slow
async def test_a_mention_from_another_citys_app_notifies_the_member(
    start_city: Callable[..., Any],
) -> None:
    a: LiveCity = await start_city(**OPEN_MARKET)
    b: LiveCity = await start_city(**OPEN_MARKET)
    add_member(a, "alice")
    add_member(b, "bob")
    alice, bob = await asyncio.gather(
        asyncio.to_thread(_logged_in, a, "alice"), asyncio.to_thread(_logged_in, b, "bob")
    )
    note = await asyncio.to_thread(
        bob.status_post, f"@alice@{a.settings.domain} the apples are here"
    )

    async def told() -> list[Any]:
        found = await asyncio.to_thread(alice.notifications, types=["mention"])
        return [n for n in found if n["status"] and n["status"]["uri"] == note["uri"]]

    (seen,) = await eventually(told)
    assert seen["account"]["acct"] == f"bob@{b.settings.domain}"
    assert "apples" in seen["status"]["content"]
