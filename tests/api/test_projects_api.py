"""Projects over the JSON API: propose, approve, pledge, refusals with their codes."""

from __future__ import annotations

from datetime import timedelta

from models import utcnow

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
