"""The partner pages and the thread page across cities, as admins and members click them."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from .helpers import eventually
from .market import Resident
from .partners import admin_of, partner_view, partnered, terms
from .test_cross_city_trade import agreed, listing_seen, three_cities

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@asynccontextmanager
async def browser(city: Any, name: str) -> AsyncIterator[Any]:
    """A browser of its own in which `name` (made by the tests' helpers) has logged in."""
    async with httpx.AsyncClient(base_url=city.url) as client:

        async def submit(page: str, action: str, **fields: str) -> httpx.Response:
            match = CSRF_RE.search((await client.get(page)).text)
            assert match, f"no form on {page}"
            return await client.post(action, data={"csrf_token": match.group(1), **fields})

        answer = await submit("/login", "/login", username=name, password="correct horse battery")
        assert answer.status_code == 303, answer.text
        client.submit = submit  # type: ignore[attr-defined]
        yield client


async def test_admins_propose_and_accept_from_the_partner_pages(start_city: Any) -> None:
    a, b = await start_city(), await start_city(currency={"code": "LEF"})
    admin_of(a), admin_of(b)
    async with browser(a, "admin") as at_a, browser(b, "admin") as at_b:
        sent = await at_a.submit(  # type: ignore[attr-defined]
            "/admin/partners",
            "/admin/partners/propose",
            domain=b.settings.domain,
            rate="3/2",
            min="1.00",
            max="100.00",
            import_cap="800.00",
            export_cap="200.00",
        )
        assert sent.status_code == 303, sent.text

        async def waiting() -> bool:
            return "Proposal waiting" in (await at_b.get("/admin/partners")).text

        await eventually(waiting)
        accepted = await at_b.submit(  # type: ignore[attr-defined]
            "/admin/partners", "/admin/partners/accept", domain=a.settings.domain
        )
        assert accepted.status_code == 303, accepted.text

        async def active_at_a() -> bool:
            page = (await at_a.get("/admin/partners")).text
            return "<strong>active</strong>" in page

        await eventually(active_at_a)
        page = (await at_a.get("/admin/partners")).text
        assert "Net position <strong" in page and ">OK<" in page
        assert "-200.00 .. 800.00 GRN" in page


async def test_a_bad_proposal_is_refused_on_the_page_with_its_reason(start_city: Any) -> None:
    a, b = await start_city(), await start_city(currency={"code": "LEF"})
    admin_of(a)
    async with browser(a, "admin") as at_a:
        answer = await at_a.submit(  # type: ignore[attr-defined]
            "/admin/partners",
            "/admin/partners/propose",
            domain=b.settings.domain,
            rate="3/2",
            min="10.00",
            max="5.00",
            import_cap="1",
            export_cap="1",
        )
        assert answer.status_code == 400
        assert "minimum per settlement is above the maximum" in answer.text
    assert (await partner_view(a, b)) is None


async def test_the_position_shows_alert_past_half_a_cap(start_city: Any) -> None:
    """The net position against the caps, from the peer account's real totals (moved here by
    a settlement-kind transfer, as the settlement code will)."""
    from exchange.ledger import peer_account_id, transfer
    from exchange.ledger.transfers import Leg

    a, b = await start_city(), await start_city(currency={"code": "LEF"})
    await partnered(a, b, import_cap="10.00", export_cap="10.00")
    partner = b.city.urls.instance_actor

    def owe(amount: int) -> Any:
        def work(session: Any) -> Any:
            from exchange.ledger import system_account_id
            from models import SystemAccount, TransferKind

            peer = peer_account_id(session, partner, min_balance=0, max_balance=None)
            issuance = system_account_id(session, SystemAccount.issuance)
            return transfer(
                session,
                a.city.settings.currency,
                public_id=f"settlement:test-{amount}",
                kind=TransferKind.settlement,
                legs=[Leg(issuance, peer, amount)],
                settlement=True,
            )

        return work

    a.db.write_sync(owe(600))
    view = await partner_view(a, b)
    assert view is not None and view["position"]["status"] == "ALERT"
    a.db.write_sync(owe(400))
    view = await partner_view(a, b)
    assert view is not None and view["position"]["status"] == "KO"


async def test_a_member_is_refused_an_offer_without_a_rule_on_the_listing_page(
    start_city: Any,
) -> None:
    a, _, c = await three_cities(start_city)
    alice, carol = Resident(a, "alice"), Resident(c, "carol")
    seen = await listing_seen(alice, carol, "3.00")
    async with browser(c, "carol") as at_c:
        answer = await at_c.submit(  # type: ignore[attr-defined]
            f"/listings/{seen['id']}", f"/listings/{seen['id']}/offer", price="3.00"
        )
        assert answer.status_code == 409
        assert "no exchange rule in force" in answer.text


async def test_the_thread_page_shows_the_quote_fixed_at_agreement(start_city: Any) -> None:
    a, b, _ = await three_cities(start_city)
    alice, bob = Resident(a, "alice"), Resident(b, "bob")
    seen = await listing_seen(alice, bob, "3.01")
    await agreed(alice, bob, seen, "3.01")
    thread = (await bob.get("/negotiations")).json()["negotiations"][0]
    async with browser(b, "bob") as at_b:
        page = (await at_b.get(f"/negotiations/{thread['id']}")).text
    assert "3.01 GRN = 4.52 LEF, fixed at agreement under exchange rule version 1" in page


async def test_caps_below_the_position_are_refused_at_proposal(start_city: Any) -> None:
    from exchange.ledger import peer_account_id, system_account_id, transfer
    from exchange.ledger.transfers import Leg
    from models import SystemAccount, TransferKind

    a, b = await start_city(), await start_city(currency={"code": "LEF"})
    await partnered(a, b, import_cap="10.00", export_cap="10.00")

    def owe(session: Any) -> Any:
        peer = peer_account_id(session, b.city.urls.instance_actor, min_balance=0, max_balance=None)
        issuance = system_account_id(session, SystemAccount.issuance)
        return transfer(
            session,
            a.city.settings.currency,
            public_id="settlement:test-position",
            kind=TransferKind.settlement,
            legs=[Leg(issuance, peer, 600)],
            settlement=True,
        )

    a.db.write_sync(owe)
    answer = await admin_of(a).post(
        "/partners", {**terms(b), "import_cap": "5.00", "export_cap": "10.00"}
    )
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "cap_below_position"
