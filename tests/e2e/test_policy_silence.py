"""Silencing a domain: its content stays out of public feeds and the market, but followers
still see it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from exchange import domains, members, search, timeline
from models import (
    Listing,
    ListingState,
    Note,
    Purpose,
    RemoteActor,
    Severity,
    new_public_id,
    utcnow,
)
from services import social

from .helpers import act, add_member, eventually
from .test_notes import followed_pair, remote_note
from .test_policy_allowlist import Signer


async def silenced_pair(start_city: Any) -> tuple[Any, Any, Note]:
    """A's alice follows B's bob, who posted a public note; dan of A follows nobody; A silences
    B.
    """
    a, b = await followed_pair(start_city)
    add_member(a, "dan")
    bob_member = b.db.read_sync(lambda s: members.get_member(s, "bob"))
    note = await act(b, lambda s: social.post_note(s, b.city, bob_member, "Pears, free, today"))
    await eventually(lambda: remote_note(a, note.uri))
    a.db.write_sync(
        lambda s: domains.block(
            s,
            domains.BlockSpec(b.settings.domain, Severity.silence),
            None,
            "open",
            own_domain="comptoir.test",
        )
    )
    a.city.fediverse.policy.invalidate()
    return a, b, note


async def timeline_for(a: Any, viewer: str | None) -> list[str]:
    policy = await a.city.fediverse.policy.current()
    uri = a.city.urls.member(viewer) if viewer else None
    rows = await a.db.read(
        lambda s: timeline.public_notes(
            s,
            silenced=lambda d: policy.verdict(d).silenced,
            refused=lambda d: not policy.allows(d),
            viewer_uri=uri,
        )
    )
    return [note.uri for note, _ in rows]


async def test_a_silenced_domains_notes_stay_out_of_the_public_timeline(start_city: Any) -> None:
    a, b, note = await silenced_pair(start_city)
    assert note.uri not in await timeline_for(a, None)
    assert note.uri not in await timeline_for(a, "dan")


async def test_a_member_who_follows_the_author_still_sees_the_silenced_notes(
    start_city: Any,
) -> None:
    a, b, note = await silenced_pair(start_city)
    assert note.uri in await timeline_for(a, "alice")


async def test_the_timeline_page_shows_the_silenced_note_only_to_its_follower(
    start_city: Any,
) -> None:
    a, b, note = await silenced_pair(start_city)
    anonymous = await a.http.get("/timeline")
    assert anonymous.status_code == 200 and "Pears, free, today" not in anonymous.text
    login = await a.http.get("/login")
    token = login.text.split('name="csrf_token" value="')[1].split('"')[0]
    await a.http.post(
        "/login",
        data={"csrf_token": token, "username": "alice", "password": "correct horse battery"},
    )
    assert "Pears, free, today" in (await a.http.get("/timeline")).text


async def test_a_silenced_domain_still_delivers_to_us(start_city: Any) -> None:
    a, b, _ = await silenced_pair(start_city)
    body, headers = Signer(b, "bob").post(a)
    assert (await a.http.post("/inbox", content=body, headers=headers)).status_code == 202


async def test_a_silenced_domains_listings_stay_out_of_the_market_except_for_followers(
    start_city: Any,
) -> None:
    a, b, _ = await silenced_pair(start_city)
    bob_id = a.db.read_sync(lambda s: s.scalar(select(RemoteActor.id)))
    listing_uri = f"{b.url}/listings/{new_public_id()}"
    a.db.write_sync(
        lambda s: s.add(
            Listing(  # as received from B
                public_id=new_public_id(),
                uri=listing_uri,
                remote_actor_id=bob_id,
                origin=b.settings.domain,
                purpose=Purpose.gift,
                title="Pears",
                currency="GRN",
                state=ListingState.published,
                listed_at=utcnow(),
            )
        )
    )
    policy = await a.city.fediverse.policy.current()
    verdicts = search.Verdicts(
        silenced=lambda d: policy.verdict(d).silenced, refused=lambda d: not policy.allows(d)
    )

    def market(viewer: str | None) -> list[str]:
        member = a.db.read_sync(lambda s: members.get_member(s, viewer)) if viewer else None
        page = a.db.read_sync(
            lambda s: search.browse(
                s,
                search.Filters(),
                own_origin=a.settings.domain,
                verdicts=verdicts,
                viewer=member,
                viewer_uri=a.city.urls.member(viewer) if viewer else None,
            )
        )
        return [listing.uri for listing in page.listings]

    assert market(None) == [] and market("dan") == []
    assert market("alice") == [listing_uri]
