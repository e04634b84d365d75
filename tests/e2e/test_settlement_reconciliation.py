"""Reconciliation between real cities: each serves its statement of committed settlements to
its partner's instance actor only, and a comparison marks the partnership OK, or KO with the
differing ids, which stops new settlements with that partner.
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from federation.errors import FetchError
from models import Settlement
from services.settlement_jobs import reconcile_all

from ..web.conftest import Browser
from .helpers import settled
from .market import Resident
from .partners import admin_of
from .test_settlement import agreed_trade, another_agreement, until


async def paid_trade(start_city: Any) -> tuple[Any, Any, Resident, Resident, str]:
    a, b, alice, bob, rule_uri, thread = await agreed_trade(start_city)
    await bob.ok("post", f"/negotiations/{thread['id']}/agreement/pay")
    await until(alice, lambda t: t["agreement"]["state"] == "paid")
    await settled(b)
    await settled(a)
    return a, b, alice, bob, rule_uri


async def test_statements_that_agree_mark_both_cities_ok(start_city: Any) -> None:
    a, b, _, _, _ = await paid_trade(start_city)
    [on_a], [on_b] = await reconcile_all(a.city), await reconcile_all(b.city)
    assert (on_a.status, on_b.status) == ("OK", "OK")
    assert on_a.our_hash == on_a.their_hash == on_b.our_hash != ""
    assert on_a.our_count == on_b.their_count == 1
    page = (await admin_of(a).get("/settlements/reconciliations")).json()
    assert [r["status"] for r in page["reconciliations"]] == ["OK"]


async def test_a_mismatch_is_ko_with_the_differing_id_and_stops_new_settlements(
    start_city: Any,
) -> None:
    a, b, alice, bob, rule_uri = await paid_trade(start_city)
    second = await another_agreement(a, b, alice, bob, rule_uri, "Lamp")

    def damage(session: Any) -> str:  # A's record of the settlement went wrong
        row = session.scalars(select(Settlement)).one()
        row.target_amount += 1
        return str(row.uri)

    uri = a.db.write_sync(damage)
    [on_b] = await reconcile_all(b.city)
    assert on_b.status == "KO"
    assert on_b.differing.split("\n") == [uri]
    refused = await bob.post(f"/negotiations/{second}/agreement/pay")
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "reconciliation_mismatch"


async def test_a_statement_is_shown_only_to_the_partners_instance_actor(start_city: Any) -> None:
    a, b, _, _, _ = await paid_trade(start_city)
    unsigned = await a.http.get("/statements/settlements")
    assert unsigned.status_code == 401
    c = await start_city(currency={"code": "CRV"})  # signs, but is no partner of A
    [outcome] = await reconcile_all(b.city)
    assert outcome.status == "OK"
    try:
        await c.city.fediverse.directory.fetch(f"{a.url}/statements/settlements")
    except FetchError as exc:
        assert exc.status == 403
    else:
        raise AssertionError("a city that is no partner read the statement")


async def test_the_admin_page_shows_settlements_and_the_comparison(start_city: Any) -> None:
    a, b, _, _, _ = await paid_trade(start_city)
    await reconcile_all(a.city)
    admin_of(a)  # made once per city, with the password every test member has
    browser = Browser(httpx.AsyncClient(base_url=a.url, timeout=10))
    try:
        login = await browser.submit(
            "/login", "/login", username="admin", password="correct horse battery"
        )
        assert login.status_code == 303
        page = (await browser.client.get("/admin/settlements")).text
        assert "3.00 GRN" in page and "6.00 BRQ" in page and "committed" in page
        assert ">OK<" in page
    finally:
        await browser.client.aclose()
