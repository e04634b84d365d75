"""Projects over the JSON API: propose, approve, pledge, refusals with their codes."""

from __future__ import annotations

from datetime import timedelta

from models import utcnow
from services.project_jobs import settle

from .conftest import Client


async def test_a_member_proposes_staff_approve_and_members_pledge(city: Client) -> None:
    deadline = (utcnow() + timedelta(days=3)).isoformat()
    proposal = {
        "slug": "repair-cafe",
        "title": "Repair café",
        "goal": "50.00",
        "deadline": deadline,
    }
    made = await city.post("/projects", proposal, as_="alice")
    assert made.status_code == 201 and made.json()["state"] == "draft"
    assert (await city.post("/projects/repair-cafe/pledges", {"amount": "5"}, as_="bob")).json()[
        "error"
    ]["code"] == "project_not_open"
    refused = await city.post("/projects/repair-cafe/approve", {}, as_="bob")
    assert refused.status_code == 403

    opened = await city.post("/projects/repair-cafe/approve", {}, as_="mayor")
    assert opened.json()["state"] == "open"
    pledged = await city.post("/projects/repair-cafe/pledges", {"amount": "20.00"}, as_="bob")
    assert pledged.status_code == 201 and pledged.json()["state"] == "pending"
    over = await city.post("/projects/repair-cafe/pledges", {"amount": "80.01"}, as_="bob")
    assert (over.status_code, over.json()["error"]["code"]) == (422, "credit_limit_exceeded")
    zero = await city.post("/projects/repair-cafe/pledges", {"amount": "0"}, as_="bob")
    assert (zero.status_code, zero.json()["error"]["code"]) == (400, "amount_not_positive")

    shown = (await city.get("/projects/repair-cafe")).json()
    assert (shown["pledged"], shown["goal"], shown["pledgers"]) == ("20.00", "50.00", 1)
    pledge_id = pledged.json()["id"]
    back = await city.post(f"/projects/repair-cafe/pledges/{pledge_id}/withdraw", {}, as_="bob")
    assert back.json()["state"] == "voided"
    assert (await city.get("/projects/repair-cafe")).json()["pledged"] == "0.00"
    assert city.book.check() == []


async def _funded(city: Client) -> None:
    """alice's `garden` (goal 10.00) funded by bob's 10.00 pledge."""
    deadline = utcnow() + timedelta(days=3)
    proposal = {
        "slug": "garden",
        "title": "Garden",
        "goal": "10.00",
        "deadline": deadline.isoformat(),
    }
    assert (await city.post("/projects", proposal, as_="alice")).status_code == 201
    assert (await city.post("/projects/garden/approve", {}, as_="mayor")).status_code == 200
    assert (
        await city.post("/projects/garden/pledges", {"amount": "10.00"}, as_="bob")
    ).status_code == 201
    outcome = settle(city.app.state.city.db, "garden", now=deadline + timedelta(seconds=1))
    assert outcome is not None and outcome.value == "funded"


async def test_the_organiser_pays_out_a_funded_project(city: Client) -> None:
    await _funded(city)
    paid = await city.post(
        "/projects/garden/payouts",
        {"member": "bob", "amount": "4.00", "memo": "seeds", "id": "p-1"},
        as_="alice",
    )
    assert paid.status_code == 201, paid.text
    body = paid.json()
    assert (body["id"], body["transfer"], body["member"], body["amount"], body["memo"]) == (
        "p-1",
        "payout:p-1",
        "bob",
        "4.00",
        "project garden: seeds",
    )
    listed = (await city.get("/projects/garden/payouts", as_="mayor")).json()["payouts"]
    assert [p["id"] for p in listed] == ["p-1"]


async def test_payout_refusals_over_the_api_write_nothing(city: Client) -> None:
    await _funded(city)
    cases = [
        ("bob", {"member": "bob", "amount": "1.00"}, 403, "payout_not_allowed"),
        ("alice", {"member": "bob", "amount": "10.01"}, 409, "payout_over_balance"),
        ("alice", {"member": "nobody", "amount": "1.00"}, 404, "unknown_member"),
        ("alice", {"member": "bob", "amount": "0"}, 400, "amount_not_positive"),
        ("alice", {"member": "bob", "amount": "-1"}, 400, "amount_not_positive"),
    ]
    for caller, body, status, code in cases:
        answer = await city.post("/projects/garden/payouts", body, as_=caller)
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), body
    listed = await city.get("/projects/garden/payouts", as_="bob")
    assert listed.status_code == 403
    assert (await city.get("/projects/garden/payouts", as_="alice")).json()["payouts"] == []
    assert city.book.check() == []


async def test_an_open_project_pays_nothing_out(city: Client) -> None:
    deadline = (utcnow() + timedelta(days=3)).isoformat()
    proposal = {"slug": "oven", "title": "Oven", "goal": "10.00", "deadline": deadline}
    await city.post("/projects", proposal, as_="alice")
    await city.post("/projects/oven/approve", {}, as_="mayor")
    answer = await city.post(
        "/projects/oven/payouts", {"member": "bob", "amount": "1"}, as_="alice"
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "project_not_funded")
