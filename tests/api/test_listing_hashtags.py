"""Hashtags of listings (models/hashtag.py, `listing_hashtags`): a listing is in the tag
timeline by its category and by the hashtags of its description (another city's: its Note's
`Hashtag` tags), once, and leaves it when an edit drops the hashtag."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from exchange import remote_listings, status_events
from exchange.categories import add_category
from exchange.remote_listings import OriginCurrency
from federation.inbound_listing import parse_listing
from models import Hashtag, ListingHashtag, RemoteActor, Status

from .mastodon_city import ELSEWHERE, Masto


async def _tagged(masto: Masto, tag: str, **params: Any) -> list[str]:
    answer = await masto.get(f"/api/v1/timelines/tag/{tag}", **params)
    assert answer.status_code == 200, answer.text
    return [s["uri"] for s in answer.json()]


def _category(masto: Masto, slug: str) -> None:
    masto.db.write_sync(lambda s: add_category(s, slug, slug.title()))


async def test_a_listing_with_a_hashtag_in_its_description_is_in_the_tag_timeline(
    masto: Masto,
) -> None:
    listing = await masto.listing("alice", description="Brakes and gears. #Velo")
    assert await _tagged(masto, "velo") == [listing["uri"]]
    assert await _tagged(masto, "brakes") == []


async def test_a_listing_of_the_category_carrying_its_hashtag_is_there_once(
    masto: Masto,
) -> None:
    _category(masto, "velo")
    listing = await masto.listing("alice", category="velo", description="#velo #bike")
    assert await _tagged(masto, "velo") == [listing["uri"]]
    # matched by its category (velo) and by a hashtag (bike) of the same question
    assert await _tagged(masto, "velo", **{"any[]": "bike"}) == [listing["uri"]]


async def test_an_edit_dropping_the_hashtag_takes_the_listing_out_of_the_tag_timeline(
    masto: Masto,
) -> None:
    listing = await masto.listing("alice", description="Old bike #velo")
    assert await _tagged(masto, "velo") == [listing["uri"]]
    answer = await masto.http.patch(
        f"/api/comptoir/v1/listings/{listing['id']}",
        json={"description": "Old bike, now #retro"},
        headers=masto.auth("alice"),
    )
    assert answer.status_code == 200, answer.text
    assert await _tagged(masto, "velo") == []
    assert await _tagged(masto, "retro") == [listing["uri"]]


async def test_a_listings_status_lists_its_category_then_its_hashtags(masto: Masto) -> None:
    _category(masto, "velo")
    listing = await masto.listing("alice", category="velo", description="#Bike and #velo")
    found = (await masto.get("/api/v1/timelines/tag/bike")).json()
    assert [t["name"] for t in found[0]["tags"]] == ["velo", "bike"]
    assert found[0]["uri"] == listing["uri"]


def _remote_listing(actor: RemoteActor, uri: str, *tags: str, updated: str | None = None) -> Any:
    """Another city's listing as the inbox parses it, with `Hashtag` tags (its category by
    `resourceConformsTo`); `updated` for an edit."""
    return parse_listing(
        {
            **({"updated": updated} if updated else {}),
            "id": uri,
            "type": "Note",
            "attributedTo": actor.uri,
            "name": "Tandem",
            "content": "<p>A tandem for two</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "purpose": "offer",
            "publishes": {
                "type": "Intent",
                "resourceConformsTo": f"https://{ELSEWHERE}/categories/velo",
            },
            "tag": [
                {"type": "Hashtag", "name": t, "href": f"https://{ELSEWHERE}/tags/x"} for t in tags
            ],
        }
    )


def _links(masto: Masto) -> list[str]:
    return masto.db.read_sync(
        lambda s: list(
            s.scalars(
                select(Hashtag.name)
                .join(ListingHashtag, ListingHashtag.hashtag_id == Hashtag.id)
                .order_by(Hashtag.name)
            )
        )
    )


async def test_a_remote_listing_with_a_hashtag_tag_is_in_the_tag_timeline(masto: Masto) -> None:
    carol = masto.remote("carol")
    uri = f"https://{ELSEWHERE}/listings/tandem"
    currency = OriginCurrency(code="TWN", scale=2)

    def arrive(session: Any) -> None:
        actor = session.get_one(RemoteActor, carol)
        inbound = _remote_listing(actor, uri, "#velo", "#Tandem", "#not a tag")
        remote_listings.store(session, actor, inbound, currency, reject_media=False)

    masto.db.write_sync(arrive)
    # the category (velo) finds it already: only the other hashtag is linked
    assert _links(masto) == ["tandem"]
    assert await _tagged(masto, "tandem") == [uri]
    assert await _tagged(masto, "velo") == [uri]

    def edit(session: Any) -> None:
        actor = session.get_one(RemoteActor, carol)
        inbound = _remote_listing(actor, uri, "#duo", updated="2030-01-01T00:00:00Z")
        remote_listings.revise(session, actor, inbound, currency, reject_media=False)

    masto.db.write_sync(edit)
    assert await _tagged(masto, "tandem") == []
    assert await _tagged(masto, "duo") == [uri]


async def test_all_and_none_read_a_listings_category_and_hashtags(masto: Masto) -> None:
    _category(masto, "velo")
    red = await masto.listing("alice", category="velo", description="#rouge")
    plain = await masto.listing("alice", category="velo", description="plain")
    assert await _tagged(masto, "velo", **{"all[]": "rouge"}) == [red["uri"]]
    assert await _tagged(masto, "rouge", **{"all[]": "velo"}) == [red["uri"]]
    assert await _tagged(masto, "velo", **{"none[]": "rouge"}) == [plain["uri"]]
    assert await _tagged(masto, "rouge", **{"none[]": "velo"}) == []


async def test_tag_timeline_pages_listings_by_hashtag_without_loss_or_repeat(
    masto: Masto,
) -> None:
    posted = []
    for i in range(5):
        if i % 2:
            posted.append((await masto.status("bob", f"#velo note {i}"))["uri"])
        else:
            posted.append((await masto.listing("alice", description=f"#velo {i}"))["uri"])
    seen: list[str] = []
    params: dict[str, str] = {"limit": "2"}
    while True:
        page = (await masto.get("/api/v1/timelines/tag/velo", **params)).json()
        if not page:
            break
        seen += [s["uri"] for s in page]
        params = {"limit": "2", "max_id": page[-1]["id"]}
    assert seen == posted[::-1]


async def test_a_withdrawn_listing_carrying_the_hashtag_is_a_delete_on_its_stream(
    masto: Masto,
) -> None:
    listing = await masto.listing("alice", description="Lamp #lumiere")
    answer = await masto.http.post(
        f"/api/comptoir/v1/listings/{listing['id']}/withdraw", headers=masto.auth("alice")
    )
    assert answer.status_code == 200, answer.text
    assert await _tagged(masto, "lumiere") == []

    def told(session: Any, tag: str) -> bool:
        sid = session.scalar(select(Status.id).where(Status.listing_id.is_not(None)))
        return status_events.was_tagged(session, sid, tag, local=False)

    assert masto.db.read_sync(lambda s: told(s, "lumiere"))
    assert not masto.db.read_sync(lambda s: told(s, "velo"))
