"""Three real cities: A runs in allowlist mode and allows B. C is refused at every door, then
let in.

Doors: A's inbox (403 before any fetch, nothing stored), A's fetches (actors, WebFinger
lookups), A's deliveries, follows both ways, and signed GETs of A's objects (A requires them).
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from exchange import domains, members
from exchange.errors import DomainError
from federation.httpsig import sign_headers
from instance.directory import Refused
from models import Direction, Follow, FollowState, InboundActivity, Job, JobState, Note, RemoteActor
from outbox.publish import DELIVER
from services import social

from .helpers import AS2, act, add_member, eventually


class Signer:
    """Signs requests as a member of a city, with that member's real key."""

    def __init__(self, city: Any, name: str) -> None:
        self.city = city
        self.actor = city.city.urls.member(name)
        self.key_id = city.city.urls.key_id(self.actor)
        self.key = city.db.read_sync(lambda s: members.get_member(s, name).private_key_pem)
        self.serial = 0

    def post(self, target: Any) -> tuple[bytes, dict[str, str]]:
        self.serial += 1
        body = orjson.dumps(
            {
                "@context": "https://www.w3.org/ns/activitystreams",
                "type": "Like",
                "id": f"{self.actor}#likes/{self.serial}",
                "actor": self.actor,
                "object": target.city.urls.member("alice"),
            }
        )
        return body, sign_headers(
            "POST", f"{target.url}/inbox", key_id=self.key_id, private_key=self.key, body=body
        )

    def get(self, url: str) -> dict[str, str]:
        return {
            **sign_headers(
                "GET", url, key_id=self.key_id, private_key=self.key, accept=AS2["Accept"]
            ),
            **AS2,
        }


def allow(city: Any, other: Any) -> None:
    city.db.write_sync(lambda s: domains.allow(s, other.settings.domain, None))
    city.city.fediverse.policy.invalidate()


def count(city: Any, model: Any, *where: Any) -> int:
    return city.db.read_sync(
        lambda s: s.scalar(select(func.count()).select_from(model).where(*where))
    )


def actors_of(city: Any, other: Any) -> int:
    return count(city, RemoteActor, RemoteActor.domain == other.settings.domain)


@pytest.fixture
async def cities(start_city: Any) -> tuple[Any, Any, Any]:
    a = await start_city(federation={"mode": "allowlist", "authorized_fetch": True})
    b, c = await start_city(), await start_city()
    add_member(a, "alice")
    add_member(b, "bob")
    add_member(c, "cat")
    add_member(c, "cal")
    allow(a, b)
    return a, b, c


async def test_the_inbox_refuses_a_domain_not_on_the_list_before_fetching_anything(
    cities: Any,
) -> None:
    a, b, c = cities
    body, headers = Signer(c, "cat").post(a)
    refused = await a.http.post("/inbox", content=body, headers=headers)
    assert refused.status_code == 403
    assert "not on this city's allow-list" in refused.json()["error"]
    assert count(a, InboundActivity) == 0
    assert actors_of(a, c) == 0, "C's key was never fetched"

    body, headers = Signer(b, "bob").post(a)
    assert (await a.http.post("/inbox", content=body, headers=headers)).status_code == 202


async def test_a_city_never_fetches_from_a_domain_not_on_the_list(cities: Any) -> None:
    a, b, c = cities
    directory = a.city.fediverse.directory
    with pytest.raises(Refused):
        await directory.actor(c.city.urls.member("cat"))
    with pytest.raises(Refused):
        await directory.lookup(f"@cat@{c.settings.domain}")
    assert actors_of(a, c) == 0
    bob = await directory.lookup(f"@bob@{b.settings.domain}")
    assert bob.uri == b.city.urls.member("bob")


async def test_nothing_is_delivered_to_a_domain_not_on_the_list(cities: Any) -> None:
    a, b, c = cities
    bob = await a.city.fediverse.directory.lookup(f"@bob@{b.settings.domain}")
    cat_uri = c.city.urls.member("cat")

    def followers(session: Any) -> None:  # both follow alice, as if from before the allow-list
        cat = RemoteActor(
            uri=cat_uri,
            domain=c.settings.domain,
            type="Person",
            preferred_username="cat",
            inbox=f"{cat_uri}/inbox",
            shared_inbox=f"{c.url}/inbox",
            key_id=f"{cat_uri}#main-key",
            public_key_pem=bob.public_key_pem,
        )
        session.add(cat)
        session.flush()
        for actor in (cat, bob):
            session.add(
                Follow(
                    local_actor=a.city.urls.member("alice"),
                    remote_actor_id=actor.id,
                    direction=Direction.inbound,
                    state=FollowState.accepted,
                    activity_uri=f"{actor.uri}#follow",
                )
            )

    a.db.write_sync(followers)
    alice = a.db.read_sync(lambda s: members.get_member(s, "alice"))
    jobs = await act(
        a,
        lambda s: (
            social.post_note(s, a.city, alice, "Market on Saturday"),
            [j.payload["inbox"] for j in s.scalars(select(Job).where(Job.kind == DELIVER))],
        )[1],
    )
    assert jobs == [f"{b.url}/inbox"]


async def test_a_member_of_a_refused_domain_cannot_follow_and_cannot_be_followed(
    cities: Any,
) -> None:
    a, b, c = cities
    alice_at_c = await c.city.fediverse.directory.lookup(f"@alice@{a.settings.domain}")
    await act(c, lambda s: social.follow(s, c.city, c.city.urls.member("cat"), alice_at_c))

    async def refused_by_a() -> Any:
        job = await c.db.read(lambda s: s.scalar(select(Job).where(Job.state == JobState.failed)))
        return job is not None and "answered 403" in (job.last_error or "")

    await eventually(refused_by_a)
    assert count(a, Follow) == 0

    cat_uri = c.city.urls.member("cat")
    a.db.write_sync(
        lambda s: s.add(
            RemoteActor(
                uri=cat_uri,
                domain=c.settings.domain,
                type="Person",
                preferred_username="cat",
                inbox=f"{cat_uri}/inbox",
                key_id=f"{cat_uri}#main-key",
                public_key_pem="-",
            )
        )
    )
    cat = a.db.read_sync(lambda s: s.scalar(select(RemoteActor).where(RemoteActor.uri == cat_uri)))
    with pytest.raises(DomainError) as refused:
        a.db.write_sync(lambda s: social.follow(s, a.city, a.city.urls.member("alice"), cat))
    assert refused.value.code == "federation_refused"
    assert count(a, Follow) == 0 and count(a, Job, Job.kind == DELIVER) == 0


async def test_signed_fetches_of_our_objects_are_refused_to_a_domain_not_on_the_list(
    cities: Any,
) -> None:
    a, b, c = cities
    alice = a.db.read_sync(lambda s: members.get_member(s, "alice"))
    note = await a.db.write(lambda s: social.post_note(s, a.city, alice, "For neighbours"))
    refused = await a.http.get(note.uri, headers=Signer(c, "cat").get(note.uri))
    assert refused.status_code == 403
    assert actors_of(a, c) == 0, "refused before C's key was fetched"
    served = await a.http.get(note.uri, headers=Signer(b, "bob").get(note.uri))
    assert served.status_code == 200 and served.json()["id"] == note.uri


async def test_allowing_the_domain_opens_every_door(cities: Any) -> None:
    a, b, c = cities
    allow(a, c)

    body, headers = Signer(c, "cat").post(a)
    assert (await a.http.post("/inbox", content=body, headers=headers)).status_code == 202

    cat = await a.city.fediverse.directory.lookup(f"@cat@{c.settings.domain}")
    alice_id = a.city.urls.member("alice")
    await act(a, lambda s: social.follow(s, a.city, alice_id, cat))

    async def a_follows_cat() -> Any:
        return count(
            a, Follow, Follow.direction == Direction.outbound, Follow.state == FollowState.accepted
        )

    await eventually(a_follows_cat)

    alice_at_c = await c.city.fediverse.directory.lookup(f"@alice@{a.settings.domain}")
    await act(c, lambda s: social.follow(s, c.city, c.city.urls.member("cal"), alice_at_c))

    async def cal_follows_alice() -> Any:
        return count(
            a, Follow, Follow.direction == Direction.inbound, Follow.state == FollowState.accepted
        )

    await eventually(cal_follows_alice)

    alice = a.db.read_sync(lambda s: members.get_member(s, "alice"))
    note = await act(a, lambda s: social.post_note(s, a.city, alice, "Welcome, C"))

    async def delivered_to_c() -> Any:
        return count(c, Note, Note.uri == note.uri)

    await eventually(delivered_to_c)
    assert (await a.http.get(note.uri, headers=Signer(c, "cat").get(note.uri))).status_code == 200
