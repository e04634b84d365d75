"""The listing Note a Mastodon server receives: what it shows, and how it is addressed.

A recording inbox (tests/sink.py) plays a Mastodon server whose user follows alice and the
city market; the city delivers for real (signed POSTs) and the test reads what arrived.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson

from federation.keys import generate_rsa_pem
from federation.vocab import PUBLIC
from models import Direction, Follow, FollowState, RemoteActor

from ..listings.conftest import image_bytes
from ..sink import Sink
from .helpers import eventually
from .market import Resident, add_category, follow_market, remote_listing

_PEM = generate_rsa_pem()[1]


def mastodon_follower(city: Any, sink: Sink, *, follows: list[str]) -> None:
    """A Mastodon user (as if fetched) following our actors `follows`, with its inbox at the
    sink.
    """
    uri = sink.url("/users/mallory")

    def work(session: Any) -> None:
        actor = RemoteActor(
            uri=uri,
            domain=f"127.0.0.1:{sink.port}",
            type="Person",
            preferred_username="mallory",
            inbox=sink.url("/users/mallory/inbox"),
            shared_inbox=sink.url("/inbox"),
            key_id=f"{uri}#main-key",
            public_key_pem=_PEM,
        )
        session.add(actor)
        session.flush()
        for local in follows:
            session.add(
                Follow(
                    local_actor=local,
                    remote_actor_id=actor.id,
                    direction=Direction.inbound,
                    state=FollowState.accepted,
                    activity_uri=f"{uri}#follow-{local}",
                )
            )

    city.db.write_sync(work)


def received(sink: Sink, kind: str) -> list[dict[str, Any]]:
    return [doc for doc in (orjson.loads(r.body) for r in sink.received) if doc.get("type") == kind]


async def test_the_listing_note_shows_everything_in_content_and_is_addressed_as_the_protocol_says(
    start_city: Any,
) -> None:
    city = await start_city(moderation={"listing_review": "after"})
    alice = Resident(city, "alice")
    add_category(city, "velo")
    urls = city.city.urls
    async with Sink() as sink:
        mastodon_follower(city, sink, follows=[alice.uri, urls.market])
        listing = await alice.ok(
            "post",
            "/listings",
            {
                "purpose": "offer",
                "title": "Bike repair, one hour",
                "description": "Brakes, gears, punctures.",
                "price": "3.00",
                "place": "Quartier Nord",
                "category": "velo",
            },
        )
        for n in range(4):
            body = {
                "alt": f"Photo {n} of the workshop",
                "data": base64.b64encode(image_bytes()).decode(),
            }
            await alice.ok("post", f"/listings/{listing['id']}/photos", body)

        creates = await eventually(lambda: _async(received(sink, "Create")))
        announces = await eventually(lambda: _async(received(sink, "Announce")))

    note = creates[0]["object"]
    assert note["type"] == "Note" and "summary" not in note
    content = note["content"]
    for shown in (
        "Bike repair, one hour",
        "Brakes, gears, punctures.",
        "Price: 3.00 GRN",
        "Place: Quartier Nord",
        "Until: ",
        listing["uri"],
        "#<span>velo</span>",
    ):
        assert shown in content, shown
    assert note["tag"] == [{"type": "Hashtag", "name": "#velo", "href": urls.tag("velo")}]
    assert note["to"] == [PUBLIC]
    assert note["cc"] == [urls.followers(alice.uri), urls.market]
    assert note["attributedTo"] == alice.uri and note["audience"] == urls.market
    assert creates[0]["to"] == [PUBLIC] and creates[0]["cc"] == note["cc"]
    assert (
        note["purpose"] == "offer"
        and note["reciprocal"]["resourceQuantity"]["hasNumericalValue"] == "3.00"
    )
    assert urls.context in creates[0]["@context"]
    assert announces[0]["actor"] == urls.market and announces[0]["object"] == listing["uri"]


async def test_an_updated_note_carries_at_most_four_photos_each_with_alt_text(
    start_city: Any,
) -> None:
    city = await start_city(moderation={"listing_review": "after"})
    alice = Resident(city, "alice")
    async with Sink() as sink:
        mastodon_follower(city, sink, follows=[alice.uri])
        listing = await alice.ok("post", "/listings", {"purpose": "gift", "title": "Old chairs"})
        for n in range(4):
            body = {
                "alt": f"Chair number {n}",
                "data": base64.b64encode(image_bytes("JPEG")).decode(),
            }
            await alice.ok("post", f"/listings/{listing['id']}/photos", body)
        fifth = await alice.post(
            f"/listings/{listing['id']}/photos",
            {"alt": "one too many", "data": base64.b64encode(image_bytes()).decode()},
        )
        assert fifth.status_code == 409

        async def four_photos() -> list[dict[str, Any]]:
            return [u for u in received(sink, "Update") if len(u["object"]["attachment"]) == 4]

        update = (await eventually(four_photos))[0]
    note = update["object"]
    assert [a["name"] for a in note["attachment"]] == [f"Chair number {n}" for n in range(4)]
    assert all(a["type"] == "Image" and a["mediaType"] == "image/jpeg" for a in note["attachment"])
    assert "updated" in note and "reciprocal" not in note and "Free: a gift" in note["content"]
    photo = await city.http.get(note["attachment"][0]["url"])
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"


async def _async(value: Any) -> Any:
    return value


async def test_hashtags_typed_in_a_description_become_tag_entries_after_the_category(
    start_city: Any,
) -> None:
    city = await start_city(moderation={"listing_review": "after"})
    alice = Resident(city, "alice")
    add_category(city, "velo")
    urls = city.city.urls
    async with Sink() as sink:
        mastodon_follower(city, sink, follows=[alice.uri])
        await alice.ok(
            "post",
            "/listings",
            {
                "purpose": "offer",
                "title": "Bike repair",
                "description": "Brakes and #Gears, #velo too. https://x.example/#notatag",
                "price": "3.00",
                "category": "velo",
            },
        )
        creates = await eventually(lambda: _async(received(sink, "Create")))

    note = creates[0]["object"]
    assert note["tag"] == [
        {"type": "Hashtag", "name": "#velo", "href": urls.tag("velo")},
        {"type": "Hashtag", "name": "#gears", "href": urls.tag("gears")},
    ]
    assert f'<a href="{urls.tag("gears")}" class="mention hashtag" rel="tag">' in note["content"]


async def test_hashtags_typed_in_a_note_become_tag_entries(start_city: Any) -> None:
    city = await start_city()
    alice = Resident(city, "alice")
    async with Sink() as sink:
        mastodon_follower(city, sink, follows=[alice.uri])
        await alice.ok("post", "/notes", {"text": "Fresh bread #Boulangerie #pain"})
        creates = await eventually(lambda: _async(received(sink, "Create")))

    note = creates[0]["object"]
    assert note["tag"] == [
        {"type": "Hashtag", "name": "#boulangerie", "href": city.city.urls.tag("boulangerie")},
        {"type": "Hashtag", "name": "#pain", "href": city.city.urls.tag("pain")},
    ]


async def test_a_listing_hashtag_reaches_the_tag_timeline_of_a_following_city(
    start_city: Any,
) -> None:
    """City A's listing carries the hashtag of its description as a `Hashtag` tag; city B,
    following A's market, keeps it and shows it under that hashtag, in the API's tag
    timeline and on its `/tags/` page."""
    a = await start_city(moderation={"listing_review": "after"})
    b = await start_city(currency={"code": "BRQ"})
    alice, bob = Resident(a, "alice"), Resident(b, "bob")
    await follow_market(bob, a)
    listing = await alice.ok(
        "post",
        "/listings",
        {"purpose": "offer", "title": "Tandem", "price": "2.00", "description": "#Duo ride"},
    )
    await eventually(lambda: remote_listing(b, bob, listing["uri"]))
    found = (await b.http.get("/api/v1/timelines/tag/duo")).json()
    assert [s["uri"] for s in found] == [listing["uri"]]
    assert [t["name"] for t in found[0]["tags"]] == ["duo"]
    page = (await b.http.get("/tags/duo")).text
    assert "Tandem" in page
