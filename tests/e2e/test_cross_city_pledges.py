"""Pledging to another city's project between real instances: a settlement whose payee is the
project's account, decided by the project's decision.

City A (GRN) runs the projects; bob of city B (BRQ) pledges in BRQ. The exchange rule (A
proposed, both hold it): one GRN buys two BRQ, no fee. B is the payer's city and coordinates;
A votes when the pledge arrives and counts it in the project's total.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from models import Notification, Pledge, Settlement

from .cross_city import open_project, received
from .helpers import eventually, settled
from .market import Resident, follow_market
from .settlement import agree_rule, balances, ledger_check, peer

#: sweeps and retries every second, so that the decisions are read soon after the deadline
FAST = {"sweep_seconds": 1}


async def two_cities(start_city: Any, *, rule: bool = True) -> tuple[Any, Any]:
    a = await start_city(settlement=FAST)
    b = await start_city(currency={"code": "BRQ"}, settlement=FAST)
    if rule:
        await agree_rule(a, b, num=2, den=1)
    return a, b


def settlement_states(city: Any) -> dict[str, str]:
    """Each pledge settlement's state, by the project it pledges to."""
    rows = city.db.read_sync(lambda s: s.scalars(select(Settlement)).all())
    return {str(row.project_uri): row.state.value for row in rows}


async def test_a_funded_project_posts_the_pledge_and_a_failed_one_voids_it_at_both_cities(
    start_city: Any,
) -> None:
    a, b = await two_cities(start_city)
    bob = Resident(b, "bob")
    await follow_market(bob, a)
    funded = await open_project(a, "repair-cafe", "3.00", seconds=12)
    failed = await open_project(a, "big-oven", "50.00", seconds=12)

    first = await bob.ok("post", "/remote-pledges", {"project": funded, "amount": "6.00"})
    assert first["source"] == {"amount": "6.00", "currency": "BRQ"}
    assert first["target"] == {"amount": "3.00", "currency": "GRN"}
    assert first["state"] == "pending"
    await bob.ok("post", "/remote-pledges", {"project": failed, "amount": "2.00"})

    # A voted yes and counts the converted amount in the project's total
    async def counted() -> bool:
        page = (await a.http.get("/api/comptoir/v1/projects/repair-cafe")).json()
        return bool(page["pledged"] == "3.00" and page["pledgers"] == 1)

    await eventually(counted, timeout=60)

    # the owner's Update of the Page carries the new total to the market's followers
    async def progress_reached_b() -> bool:
        owner = a.city.urls.member("alicerepair")
        return any(
            update["object"]["id"] == funded and update["object"]["pledged"] == "3.00"
            for update in received(b, "Update", owner)
        )

    await eventually(progress_reached_b, timeout=60)

    async def accepted() -> bool:
        mine = (await bob.get("/remote-pledges")).json()["pledges"]
        return len(mine) == 2 and all(p["accepted"] for p in mine)

    await eventually(accepted, timeout=60)
    on_b = balances(b)
    assert on_b["member:bob"] == (0, 800, 0)

    async def decided() -> bool:
        on_b, on_a = settlement_states(b), settlement_states(a)
        return (
            on_b.get(funded) == "acked"
            and on_a.get(funded) == "committed"
            and on_b.get(failed) == "aborted"
            and on_a.get(failed) == "aborted"
        )

    await eventually(decided, timeout=60)
    await settled(a)
    await settled(b)

    on_b, on_a = balances(b), balances(a)
    assert on_b["member:bob"] == (-600, 0, 0)
    assert on_b[peer(b, a)] == (600, 0, 0)
    assert on_a["project:repair-cafe"] == (300, 0, 0)
    assert on_a["project:big-oven"] == (0, 0, 0)
    assert on_a[peer(a, b)] == (-300, 0, 0)
    for city in (a, b):
        code, output = ledger_check(city)
        assert code == 0, output
    pledges = a.db.read_sync(
        lambda s: {(p.amount, p.source_amount, p.state.value) for p in s.scalars(select(Pledge))}
    )
    assert pledges == {(300, 600, "committed"), (100, 200, "voided")}
    projects = (await a.http.get("/api/comptoir/v1/projects")).json()["projects"]
    assert {p["slug"]: p["state"] for p in projects} == {
        "repair-cafe": "funded",
        "big-oven": "failed",
    }
    mine = (await bob.get("/remote-pledges")).json()["pledges"]
    assert {p["project"]: p["state"] for p in mine} == {funded: "committed", failed: "voided"}
    # bob is told of each outcome, in the transaction that decided it
    told = b.db.read_sync(
        lambda s: {
            n.params["project"]: n.code
            for n in s.scalars(select(Notification))
            if n.code.startswith("pledge_")
        }
    )
    assert told == {
        funded: "pledge_committed",
        failed: "pledge_voided_failed",
    }


async def test_a_pledge_without_an_exchange_rule_is_refused_and_nothing_is_held(
    start_city: Any,
) -> None:
    a, b = await two_cities(start_city, rule=False)
    bob = Resident(b, "bob")
    project = await open_project(a, "repair-cafe", "3.00", seconds=60)

    answer = await bob.post("/remote-pledges", {"project": project, "amount": "6.00"})

    assert answer.status_code == 409, answer.text
    error = answer.json()["error"]
    assert error["code"] == "no_exchange_rule"
    assert "no exchange rule" in error["message"]
    assert b.db.read_sync(lambda s: s.scalars(select(Settlement)).all()) == []
    assert balances(b).get("member:bob", (0, 0, 0)) == (0, 0, 0)


async def test_a_withdrawn_pledge_is_voided_at_both_cities(start_city: Any) -> None:
    a, b = await two_cities(start_city)
    bob = Resident(b, "bob")
    project = await open_project(a, "repair-cafe", "3.00", seconds=60)
    pledge = await bob.ok("post", "/remote-pledges", {"project": project, "amount": "6.00"})

    async def held_at_a() -> bool:
        return settlement_states(a).get(project) == "prepared"

    await eventually(held_at_a)
    withdrawn = await bob.ok("post", f"/remote-pledges/{pledge['id']}/withdraw")
    assert withdrawn["state"] == "voided"

    async def voided_at_a() -> bool:
        return settlement_states(a).get(project) == "aborted"

    await eventually(voided_at_a)
    await settled(a)
    page = (await a.http.get("/api/comptoir/v1/projects/repair-cafe")).json()
    assert page["pledged"] == "0.00"
    assert balances(a)["project:repair-cafe"] == (0, 0, 0)
    assert balances(b)["member:bob"] == (0, 0, 0)
    for city in (a, b):
        code, output = ledger_check(city)
        assert code == 0, output


async def test_a_pledge_to_a_project_past_its_deadline_is_refused(start_city: Any) -> None:
    a, b = await two_cities(start_city)
    bob = Resident(b, "bob")
    project = await open_project(a, "repair-cafe", "3.00", seconds=1.5)
    await eventually(lambda: _decided(a, "repair-cafe"))

    answer = await bob.post("/remote-pledges", {"project": project, "amount": "6.00"})

    assert answer.status_code == 409, answer.text
    assert answer.json()["error"]["code"] == "project_not_open"
    assert b.db.read_sync(lambda s: s.scalars(select(Settlement)).all()) == []


async def _decided(city: Any, slug: str) -> bool:
    page = (await city.http.get(f"/api/comptoir/v1/projects/{slug}")).json()
    return bool(page["state"] != "open")
