"""Refusals are visible, and what failed can be re-sent: two real cities on loopback.

City A lists a bike repair and cat of city C follows A's market; then A goes allow-list mode
without C. cat's offer and cat's follow of alice are refused by A's inbox (403): C shows both
as not delivered instead of open / pending forever. Once A allows C, C's admin re-sends what
failed (`comptoir federation retry`), and both arrive.
"""

from __future__ import annotations

from typing import Any

from exchange import domains

from ..cli import Cli
from ..web.conftest import logged_in
from .helpers import eventually, settled
from .market import Resident, follow_market, remote_listing
from .partners import partnered

REFUSED = {
    "reason": "refused",
    "message": "not delivered: the other city does not federate with us",
}


async def refused_by_a(start_city: Any) -> tuple[Any, Any, Resident, Resident, dict[str, Any]]:
    """A and C federate and agreed an exchange rule, cat (C) sees alice's (A) listing; then A
    allows only listed domains."""
    a = await start_city(moderation={"listing_review": "after"})
    c = await start_city(currency={"code": "CAT"})
    alice, cat = Resident(a, "alice"), Resident(c, "cat")
    await follow_market(cat, a)
    await partnered(c, a)
    listing = await alice.ok(
        "post", "/listings", {"purpose": "offer", "title": "Bike repair", "price": "3.00"}
    )
    remote = await eventually(lambda: remote_listing(c, cat, listing["uri"]))
    await settled(a)
    a.db.write_sync(lambda s: domains.set_mode(s, "allowlist", None))
    a.city.fediverse.policy.invalidate()
    return a, c, alice, cat, remote


async def offer_and_follow(c: Any, cat: Resident, a: Any, remote: dict[str, Any]) -> str:
    """cat offers on the listing and follows alice; both are refused by A. The thread's id."""
    opened = await cat.ok("post", f"/listings/{remote['id']}/negotiations", {"price": "2.00"})
    followed = await cat.post("/follows", {"account": f"@alice@{a.settings.domain}"})
    assert followed.status_code == 201, followed.text
    await settled(c)
    return str(opened["id"])


async def test_an_offer_and_a_follow_refused_by_the_other_city_say_so(start_city: Any) -> None:
    a, c, alice, cat, remote = await refused_by_a(start_city)
    thread_id = await offer_and_follow(c, cat, a, remote)

    thread = (await cat.get(f"/negotiations/{thread_id}")).json()
    assert thread["undelivered"] == REFUSED
    assert thread["offers"][0]["undelivered"] == REFUSED
    [follow] = [f for f in (await cat.get("/follows")).json() if "alice" in f["account"]]
    assert follow["state"] == "failed"
    assert follow["undelivered"] == REFUSED
    browser = await logged_in(c.app, "cat")
    try:
        page = await browser.client.get(f"/negotiations/{thread_id}")
    finally:
        await browser.client.aclose()
    assert "not delivered: the other city does not federate with us" in page.text
    assert (await alice.get("/negotiations")).json()["negotiations"] == []


async def test_once_allowed_again_the_admin_re_sends_what_failed_and_it_arrives(
    start_city: Any,
) -> None:
    a, c, alice, cat, remote = await refused_by_a(start_city)
    thread_id = await offer_and_follow(c, cat, a, remote)
    a.db.write_sync(lambda s: domains.allow(s, c.settings.domain, None))
    a.city.fediverse.policy.invalidate()

    retried = Cli(c.settings.path)("federation", "retry", "--host", a.settings.domain)
    assert retried.returncode == 0, retried.stderr
    assert "queued again 2 deliveries" in retried.stdout

    async def offer_arrived() -> bool:
        page = (await alice.get("/negotiations")).json()["negotiations"]
        return len(page) == 1 and len(page[0]["offers"]) == 1

    await eventually(offer_arrived)

    async def follow_accepted() -> bool:
        follows = (await cat.get("/follows", state="accepted")).json()
        return any("alice" in f["account"] for f in follows)

    await eventually(follow_accepted)
    thread = (await cat.get(f"/negotiations/{thread_id}")).json()
    assert thread["undelivered"] is None
    assert thread["offers"][0]["undelivered"] is None
