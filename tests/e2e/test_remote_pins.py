"""A remote account's pins, between two live cities over loopback: B's member bob pins
notes; city A reads bob's `featured` collection when it fetches bob, follows his `Add` and
`Remove` to it once alice follows him, and answers `?pinned=true` of bob's account with
them. An `Add` that is not bob's own (signed by carol, a target that is not bob's
`featured`, a note that is not bob's) changes nothing.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import select

from api.auth import issue_token
from exchange import members
from federation.keys import load_private_key
from models import RemoteActor

from .helpers import add_member, eventually, settled
from .test_inbox_security import Remote, post, signed

pytestmark = pytest.mark.slow


class Bob:
    """bob of city B, through B's Mastodon API."""

    def __init__(self, b: Any, name: str = "bob") -> None:
        self.b = b
        self.name = name
        self.headers = {
            "Authorization": f"Bearer {b.db.write_sync(lambda s: issue_token(s, name))}"
        }

    async def note(self, text: str, visibility: str = "public") -> dict[str, Any]:
        answer = await self.b.http.post(
            "/api/v1/statuses",
            data={"status": text, "visibility": visibility},
            headers=self.headers,
        )
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    async def pin(self, status: dict[str, Any], undo: bool = False) -> None:
        action = "unpin" if undo else "pin"
        answer = await self.b.http.post(
            f"/api/v1/statuses/{status['id']}/{action}", headers=self.headers
        )
        assert answer.status_code == 200, answer.text


async def pins_shown(a: Any, uri: str) -> list[str]:
    """The URIs city A shows for `?pinned=true` of the remote account `uri` (anonymously)."""
    number = await a.db.read(
        lambda s: s.scalar(select(RemoteActor.id).where(RemoteActor.uri == uri))
    )
    async with httpx.AsyncClient(base_url=a.url, timeout=10) as http:
        answer = await http.get(f"/api/v1/accounts/{2 * number + 1}/statuses?pinned=true")
    assert answer.status_code == 200, answer.text
    return [s["uri"] for s in answer.json()]


@pytest.fixture
async def cities(start_city: Any) -> tuple[Any, Any]:
    a, b = await start_city(), await start_city()
    add_member(a, "alice")
    add_member(b, "bob")
    add_member(b, "carol")
    return a, b


async def test_pins_are_read_when_the_actor_is_fetched(cities: tuple[Any, Any]) -> None:
    a, b = cities
    bob = Bob(b)
    first, second = await bob.note("Open on Sunday"), await bob.note("Fresh bread")
    await bob.note("Not pinned")
    await bob.pin(first)
    await bob.pin(second)
    actor = await a.city.fediverse.directory.lookup(f"@bob@{b.settings.domain}")

    async def read() -> list[str]:
        return await pins_shown(a, actor.uri)

    assert await eventually(read) == [second["uri"], first["uri"]]


async def test_add_and_remove_from_a_followed_account_change_the_pins(
    cities: tuple[Any, Any],
) -> None:
    a, b = cities
    bob = Bob(b)
    first = await bob.note("Open on Sunday")
    await bob.pin(first)
    alice_token = a.db.write_sync(lambda s: issue_token(s, "alice"))
    auth = {"Authorization": f"Bearer {alice_token}"}
    actor = await a.city.fediverse.directory.lookup(f"@bob@{b.settings.domain}")
    follow = await a.http.post(f"/api/v1/accounts/{2 * actor.id + 1}/follow", headers=auth)
    assert follow.status_code == 200, follow.text

    async def following() -> bool:
        rel = await a.http.get(
            f"/api/v1/accounts/relationships?id[]={2 * actor.id + 1}", headers=auth
        )
        return bool(rel.json()[0]["following"])

    await eventually(following)
    await eventually(lambda: _equals(pins_shown(a, actor.uri), [first["uri"]]))
    second = await bob.note("Fresh bread")
    await bob.pin(second)
    await eventually(lambda: _equals(pins_shown(a, actor.uri), [second["uri"], first["uri"]]))
    await bob.pin(first, undo=True)
    await eventually(lambda: _equals(pins_shown(a, actor.uri), [second["uri"]]))


async def _equals(found: Any, expected: list[str]) -> bool:
    return await found == expected


# ------------------------------------------------------------------ Adds that are not bob's


async def _known_with_no_pins(a: Any, b: Any) -> tuple[RemoteActor, Remote]:
    """A knows bob (his empty `featured` read) before the crafted activities arrive."""
    actor = await a.city.fediverse.directory.lookup(f"@bob@{b.settings.domain}")
    await settled(a)
    assert await pins_shown(a, actor.uri) == []
    return actor, Remote(b)


async def _deliver(a: Any, remote: Remote, activity: dict[str, Any]) -> None:
    body = orjson.dumps(activity)
    answer = await post(a, body, signed(a, remote, body))
    assert answer.status_code == 202, answer.text
    await settled(a)


def _signer(b: Any, name: str) -> Remote:
    """A member of city B signing what the test crafts (bob, or carol)."""
    remote = Remote(b)
    remote.actor = b.city.urls.member(name)
    remote.key_id = b.city.urls.key_id(remote.actor)
    pem = b.db.read_sync(lambda s: members.get_member(s, name).private_key_pem)
    remote.private_key = load_private_key(pem)
    return remote


def _add(remote: Remote, note: str, target: str) -> dict[str, Any]:
    return remote.activity(type="Add", object=note, target=target)


async def test_bobs_own_add_of_his_note_pins_it(cities: tuple[Any, Any]) -> None:
    """The control of the refusals below: the same Add, bob's own, is taken (the note,
    unknown to A, fetched from B)."""
    a, b = cities
    note = await Bob(b).note("Open on Sunday")
    actor, bob = await _known_with_no_pins(a, b)
    await _deliver(a, bob, _add(bob, note["uri"], f"{actor.uri}/collections/featured"))
    assert await pins_shown(a, actor.uri) == [note["uri"]]


async def test_an_add_to_bobs_featured_signed_by_carol_changes_nothing(
    cities: tuple[Any, Any],
) -> None:
    a, b = cities
    note = await Bob(b).note("Open on Sunday")
    actor, _ = await _known_with_no_pins(a, b)
    carol = _signer(b, "carol")
    await _deliver(a, carol, _add(carol, note["uri"], f"{actor.uri}/collections/featured"))
    assert await pins_shown(a, actor.uri) == []


async def test_an_add_by_bob_to_a_collection_not_his_featured_changes_nothing(
    cities: tuple[Any, Any],
) -> None:
    a, b = cities
    note = await Bob(b).note("Open on Sunday")
    actor, bob = await _known_with_no_pins(a, b)
    carols = f"{b.city.urls.member('carol')}/collections/featured"
    for target in (carols, f"{actor.uri}/followers"):
        await _deliver(a, bob, _add(bob, note["uri"], target))
    assert await pins_shown(a, actor.uri) == []


async def test_an_add_by_bob_of_carols_note_changes_nothing(cities: tuple[Any, Any]) -> None:
    a, b = cities
    note = await Bob(b, "carol").note("Carol's own")
    actor, bob = await _known_with_no_pins(a, b)
    await _deliver(a, bob, _add(bob, note["uri"], f"{actor.uri}/collections/featured"))
    assert await pins_shown(a, actor.uri) == []


async def test_a_remove_signed_by_carol_leaves_bobs_pin(cities: tuple[Any, Any]) -> None:
    a, b = cities
    note = await Bob(b).note("Open on Sunday")
    actor, bob = await _known_with_no_pins(a, b)
    featured = f"{actor.uri}/collections/featured"
    await _deliver(a, bob, _add(bob, note["uri"], featured))
    carol = _signer(b, "carol")
    await _deliver(a, carol, carol.activity(type="Remove", object=note["uri"], target=featured))
    assert await pins_shown(a, actor.uri) == [note["uri"]]
    await _deliver(a, bob, bob.activity(type="Remove", object=note["uri"], target=featured))
    assert await pins_shown(a, actor.uri) == []


async def test_an_actor_stored_without_its_featured_is_fetched_again_to_learn_it(
    cities: tuple[Any, Any],
) -> None:
    """An actor stored before `featured` was kept: bob's Add makes A fetch him once, and
    the Add is then taken. (bob really pins the note on B: the refetch reads his
    `featured` again too, and both agree whichever A applies last.)"""
    a, b = cities
    note = await Bob(b).note("Open on Sunday")
    actor, bob = await _known_with_no_pins(a, b)
    await Bob(b).pin(note)

    def forget(session: Any) -> None:
        row = session.get(RemoteActor, actor.id)
        row.extra = {k: v for k, v in row.extra.items() if k != "featured"}

    a.db.write_sync(forget)
    featured = f"{actor.uri}/collections/featured"
    await _deliver(a, bob, _add(bob, note["uri"], featured))
    assert await pins_shown(a, actor.uri) == [note["uri"]]
    learnt = a.db.read_sync(lambda s: s.get(RemoteActor, actor.id).extra.get("featured"))
    assert learnt == featured
