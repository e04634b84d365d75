"""Suspending one remote account is reversible and destroys nothing.

City A's alice sells to city B's bob (two agreements); alice follows B's market, so bob's
own listing is in A's feed. A moderator of A suspends bob: his agreements, negotiations and
listing stay in A's database, hidden, and what he sends is refused; lifting the suspension
(CLI, API or the admin page) shows everything again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from models import Agreement, Listing, Negotiation, Offer, RemoteActor, Role

from ..cli import comptoir
from ..web.conftest import logged_in
from .helpers import eventually, settled
from .market import Resident, follow_market, remote_listing
from .test_negotiation import listed, until


async def count(city: Any, table: Any) -> int:
    return int(await city.db.read(lambda s: s.scalar(select(func.count()).select_from(table))))


async def history(city: Any) -> tuple[int, int, int]:
    return (await count(city, Agreement), await count(city, Negotiation), await count(city, Offer))


async def two_deals(start_city: Any) -> tuple[Any, Any, Resident, Resident, Resident, str]:
    """Two agreements between alice (A) and bob (B); bob's own listing shown in A's feed."""
    a, b, alice, bob, listing = await listed(start_city, quantity=3)
    mod = Resident(a, "mod", role=Role.moderator)
    for deal in (1, 2):
        await bob.ok(
            "post",
            f"/listings/{listing['b']['id']}/negotiations",
            {"price": "3.00", "quantity": 1},
        )

        async def offered(deal: int = deal) -> Any:
            page = (await alice.get("/negotiations")).json()["negotiations"]
            return (
                next((t for t in page if t["state"] == "open"), None) if len(page) == deal else None
            )

        thread = await eventually(offered)
        offer = thread["offers"][0]["id"]
        await alice.ok("post", f"/negotiations/{thread['id']}/offers/{offer}/accept")
        await until(bob, lambda t: t["agreement"] is not None)
    await follow_market(alice, b)
    own = await bob.ok("post", "/listings", {"purpose": "offer", "title": "Honey", "price": "1.00"})
    if own["state"] == "pending":  # B reviews before publication
        reviewer = Resident(b, "reviewer", role=Role.moderator)
        await reviewer.ok("post", f"/moderation/listings/{own['id']}/approve")
    await eventually(lambda: remote_listing(a, alice, own["uri"]))
    await settled(a)
    await settled(b)
    return a, b, alice, bob, mod, own["uri"]


async def test_suspending_a_remote_account_keeps_its_agreements_and_hides_it(
    start_city: Any,
) -> None:
    a, b, alice, bob, mod, bobs_listing = await two_deals(start_city)
    before = await history(a)
    assert before[0] == 2
    copy = await remote_listing(a, alice, bobs_listing)
    assert copy is not None

    answer = await mod.post(
        "/admin/remote-accounts/suspend", {"account": f"bob@{b.settings.domain}"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["suspended_at"] is not None

    assert await history(a) == before  # nothing deleted
    assert await count(a, Listing) == 2  # alice's and bob's, still stored
    assert await remote_listing(a, alice, bobs_listing) is None  # but bob's is hidden
    assert (await alice.get(f"/listings/{copy['id']}")).status_code == 404
    assert (await a.http.get(f"/listings/{copy['id']}")).status_code == 404
    listed_here = (await mod.get("/admin/remote-accounts")).json()
    assert [x["account"] for x in listed_here] == [f"@bob@{b.settings.domain}"]


async def test_what_a_suspended_account_sends_is_refused(start_city: Any) -> None:
    a, b, alice, bob, mod, _ = await two_deals(start_city)
    await mod.ok("post", "/admin/remote-accounts/suspend", {"account": f"bob@{b.settings.domain}"})
    listings_before = await count(a, Listing)

    later = await bob.ok("post", "/listings", {"purpose": "offer", "title": "Wax", "price": "1.00"})
    reviewer = Resident(b, "reviewer2", role=Role.moderator)
    if later["state"] == "pending":
        await reviewer.ok("post", f"/moderation/listings/{later['id']}/approve")
    await settled(b)  # B delivered it (A refused it with 403) or gave up
    await settled(a)

    assert await count(a, Listing) == listings_before
    stored = await a.db.read(
        lambda s: s.scalar(
            select(func.count()).select_from(Listing).where(Listing.uri == later["uri"])
        )
    )
    assert stored == 0


async def test_a_negotiation_with_a_suspended_account_is_on_hold(start_city: Any) -> None:
    a, b, alice, bob, listing = await listed(start_city, quantity=3)
    mod = Resident(a, "mod", role=Role.moderator)
    await bob.ok("post", f"/listings/{listing['b']['id']}/negotiations", {"price": "3.00"})
    thread = await until(alice, lambda t: len(t["offers"]) == 1)
    await mod.ok("post", "/admin/remote-accounts/suspend", {"account": f"bob@{b.settings.domain}"})

    offer = thread["offers"][0]["id"]
    refused = await alice.post(f"/negotiations/{thread['id']}/offers/{offer}/accept")

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "account_suspended"
    assert await count(a, Agreement) == 0


async def test_the_cli_lifts_a_remote_suspension_and_everything_shows_again(
    start_city: Any,
) -> None:
    a, b, alice, bob, mod, bobs_listing = await two_deals(start_city)
    handle = f"bob@{b.settings.domain}"
    suspended = comptoir(a.settings.path, "users", "suspend", handle, "--reason", "spam")
    assert suspended.returncode == 0, suspended.stderr
    assert "nothing deleted" in suspended.stdout
    a.city.fediverse.policy.invalidate()  # a running server rereads it within seconds
    before = await history(a)
    assert await remote_listing(a, alice, bobs_listing) is None

    lifted = comptoir(a.settings.path, "users", "unsuspend", handle)

    assert lifted.returncode == 0, lifted.stderr
    assert lifted.stdout.startswith(f"unsuspended {handle}")
    a.city.fediverse.policy.invalidate()
    assert await history(a) == before
    assert await remote_listing(a, alice, bobs_listing) is not None
    actor = await a.db.read(
        lambda s: s.scalar(select(RemoteActor).where(RemoteActor.uri == bob.uri))
    )
    assert actor.suspended_at is None


async def test_unsuspending_an_unknown_or_unsuspended_account_says_so(start_city: Any) -> None:
    a = await start_city()
    mod = Resident(a, "mod", role=Role.moderator)
    unknown = comptoir(a.settings.path, "users", "unsuspend", "nobody@nowhere.example")
    assert unknown.returncode != 0 and "not found" in unknown.stderr
    answer = await mod.post("/admin/remote-accounts/unsuspend", {"account": "nobody@x.example"})
    assert answer.status_code == 404
    member = Resident(a, "plain")
    forbidden = await member.post("/admin/remote-accounts/suspend", {"account": "x@y.example"})
    assert forbidden.status_code == 403


async def test_the_admin_page_lifts_a_suspension(start_city: Any) -> None:
    a, b, alice, bob, mod, bobs_listing = await two_deals(start_city)
    handle = f"bob@{b.settings.domain}"
    browser = await logged_in(a.app, "mod")
    try:
        page = "/admin/remote-accounts"
        suspended = await browser.submit(page, f"{page}/suspend", account=handle, reason="spam")
        assert suspended.status_code == 303
        assert f"@{handle}" in (await browser.client.get(page)).text
        assert await remote_listing(a, alice, bobs_listing) is None

        lifted = await browser.submit(page, f"{page}/unsuspend", account=bob.uri)
        assert lifted.status_code == 303
        shown = (await browser.client.get(lifted.headers["location"])).text
        assert "No remote account is suspended" in shown
        home = (await browser.client.get("/")).text
        assert 'href="/admin/remote-accounts"' in home
    finally:
        await browser.client.aclose()
    assert await remote_listing(a, alice, bobs_listing) is not None
