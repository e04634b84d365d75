"""Peers that are not Mastodon: an actor without `preferredUsername` (fediverse-pasture's
emily and frank), and a Delete from a sender we do not know.

The remote server is the recording sink (tests/sink.py) serving the actor document; the
city verifies real signatures against it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from sqlalchemy import delete, select

from federation.httpsig import sign_headers
from federation.keys import generate_rsa_pem
from models import InboundActivity, JobState, Note, RemoteActor

from ..sink import Sink
from .helpers import add_member, eventually, settled


class Nameless:
    """An actor whose document has neither `preferredUsername` nor `name`."""

    def __init__(self, sink: Sink, path: str = "/actors/emily") -> None:
        self.uri = sink.url(path)
        self.key_id = self.uri + "#main-key"
        self.private_pem, public_pem = generate_rsa_pem()
        sink.documents[path] = orjson.dumps(
            {
                "@context": [
                    "https://www.w3.org/ns/activitystreams",
                    "https://w3id.org/security/v1",
                ],
                "id": self.uri,
                "type": "Person",
                "inbox": self.uri + "/inbox",
                "publicKey": {"id": self.key_id, "owner": self.uri, "publicKeyPem": public_pem},
            }
        )
        self.serial = 0

    async def send(self, city: Any, activity: dict[str, Any], path: str = "/inbox") -> int:
        self.serial += 1
        body = orjson.dumps(
            {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{self.uri}/activities/{self.serial}",
                "actor": self.uri,
                **activity,
            }
        )
        headers = sign_headers(
            "POST", city.url + path, key_id=self.key_id, private_key=self.private_pem, body=body
        )
        answer = await city.http.post(path, content=body, headers=headers)
        return int(answer.status_code)


@pytest.fixture
async def sink() -> AsyncIterator[Sink]:
    async with Sink() as running:
        yield running


async def processed(city: Any) -> list[JobState]:
    return list(await city.db.read(lambda s: s.scalars(select(InboundActivity.state)).all()))


async def test_an_actor_without_preferred_username_signs_an_activity_we_accept(
    start_city: Any, sink: Sink
) -> None:
    city = await start_city()
    add_member(city, "alice")
    emily = Nameless(sink)
    alice = city.city.urls.member("alice")

    status = await emily.send(city, {"type": "Follow", "object": alice})

    assert status == 202
    await settled(city)
    assert await processed(city) == [JobState.done]
    actor = await city.db.read(
        lambda s: s.scalar(select(RemoteActor).where(RemoteActor.uri == emily.uri))
    )
    assert actor.preferred_username == "emily" and actor.name == ""
    # the Accept of the follow went back to the actor's inbox
    assert any(r.path == "/actors/emily/inbox" for r in sink.received)


async def test_a_delete_of_an_unknown_id_from_an_unknown_sender_leaves_a_tombstone(
    start_city: Any, sink: Sink
) -> None:
    city = await start_city()
    add_member(city, "alice")
    emily = Nameless(sink)
    note_uri = sink.url("/notes/late")
    assert await emily.send(city, {"type": "Like", "object": city.city.urls.member("alice")}) == 202
    await settled(city)
    # the city forgets the sender (its key stays in memory): the next Delete comes from
    # someone it does not know
    await city.db.write(lambda s: s.execute(delete(RemoteActor)))

    assert await emily.send(city, {"type": "Delete", "object": note_uri}) == 202
    await settled(city)

    async def tombstone() -> Any:
        return await city.db.read(lambda s: s.scalar(select(Note).where(Note.uri == note_uri)))

    stored = await eventually(tombstone)
    assert stored.deleted_at is not None and stored.remote_actor_id is None


async def test_a_late_create_of_a_deleted_id_is_ignored(start_city: Any, sink: Sink) -> None:
    city = await start_city()
    add_member(city, "alice")
    emily = Nameless(sink)
    alice = city.city.urls.member("alice")
    note_uri = sink.url("/notes/late")
    assert await emily.send(city, {"type": "Delete", "object": note_uri}) == 202
    await settled(city)  # the Delete is applied; the Create comes late
    note = {
        "id": note_uri,
        "type": "Note",
        "attributedTo": emily.uri,
        "to": [alice],
        "content": "<p>too late</p>",
        "tag": [{"type": "Mention", "href": alice}],
    }
    assert await emily.send(city, {"type": "Create", "object": note, "to": [alice]}) == 202
    await settled(city)

    stored = await city.db.read(lambda s: s.scalar(select(Note).where(Note.uri == note_uri)))
    assert stored.deleted_at is not None and stored.content == ""
