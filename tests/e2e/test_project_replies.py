"""Residents of another city reply to a project between real instances: the reply is kept at
the project's city, shown on the project's page and API, announced by the city market to its
followers, and a moderator's hide withdraws it (the market's Undo of its Announce).

City A runs the project (alice's); bob of city B follows A's market and replies to the
project's Page with a public Note mentioning alice, as a Mastodon client's reply does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from models import ModerationEntry, Role

from .cross_city import open_project, received
from .helpers import eventually
from .market import Resident, follow_market


async def replies(city: Any, slug: str, resident: Resident | None = None) -> list[dict[str, Any]]:
    if resident is not None:
        answer = await resident.get(f"/projects/{slug}/replies")
    else:
        answer = await city.http.get(f"/api/comptoir/v1/projects/{slug}/replies")
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["replies"]
    return found


async def test_a_reply_from_another_city_is_kept_shown_announced_and_can_be_hidden(
    start_city: Any,
) -> None:
    a, b = await start_city(), await start_city(currency={"code": "BRQ"})
    bob = Resident(b, "bob")
    await follow_market(bob, a)
    project = await open_project(a, "repair-cafe", "3.00", seconds=600)
    market = a.city.urls.market

    note = await bob.ok(
        "post",
        "/notes",
        {
            "text": "Count me in, I can bring tools!",
            "in_reply_to": project,
            "mentions": [f"alicerepair@{a.settings.domain}"],
        },
    )

    kept = await eventually(lambda: replies(a, "repair-cafe"))
    assert [(r["uri"], r["author"]) for r in kept] == [(note["uri"], bob.uri)]
    assert "bring tools" in kept[0]["content"]
    page = await a.http.get("/projects/repair-cafe", headers={"Accept": "text/html"})
    assert "bring tools" in page.text

    async def announced() -> list[dict[str, Any]]:
        return [x for x in received(b, "Announce", market) if x["object"] == note["uri"]]

    [announce] = await eventually(announced)

    staff = Resident(a, "moderator", role=Role.moderator)
    hidden = await staff.ok("post", f"/projects/repair-cafe/replies/{kept[0]['id']}/hide")
    assert hidden["hidden"] is True
    assert await replies(a, "repair-cafe") == []
    assert [r["hidden"] for r in await replies(a, "repair-cafe", staff)] == [True]
    page = await a.http.get("/projects/repair-cafe", headers={"Accept": "text/html"})
    assert "bring tools" not in page.text
    logged = a.db.read_sync(
        lambda s: [(e.action, e.target) for e in s.scalars(select(ModerationEntry))]
    )
    assert ("hide", note["uri"]) in logged

    async def undone() -> list[dict[str, Any]]:
        return [x for x in received(b, "Undo", market) if x["object"]["id"] == announce["id"]]

    await eventually(undone)


async def test_a_member_cannot_hide_a_reply(start_city: Any) -> None:
    a, b = await start_city(), await start_city(currency={"code": "BRQ"})
    bob = Resident(b, "bob")
    project = await open_project(a, "repair-cafe", "3.00", seconds=600)
    await bob.ok(
        "post",
        "/notes",
        {"text": "Hello", "in_reply_to": project, "mentions": [f"alicerepair@{a.settings.domain}"]},
    )
    [kept] = await eventually(lambda: replies(a, "repair-cafe"))
    carol = Resident(a, "carol")

    answer = await carol.post(f"/projects/repair-cafe/replies/{kept['id']}/hide")

    assert answer.status_code == 403, answer.text
    assert len(await replies(a, "repair-cafe")) == 1


async def test_a_mastodon_client_finds_the_project_by_its_address_and_replies(
    start_city: Any,
) -> None:
    a, b = await start_city(), await start_city(currency={"code": "BRQ"})
    bob = Resident(b, "bob")
    project = await open_project(a, "repair-cafe", "3.00", seconds=600)
    headers = {"Authorization": f"Bearer {bob.token}"}

    found = await b.http.get(
        "/api/v2/search", params={"q": project, "resolve": "true"}, headers=headers
    )
    assert found.status_code == 200, found.text
    (status,) = found.json()["statuses"]
    assert status["uri"] == project
    reply = await b.http.post(
        "/api/v1/statuses",
        json={"status": "Count me in", "in_reply_to_id": status["id"]},
        headers=headers,
    )
    assert reply.status_code == 200, reply.text

    [kept] = await eventually(lambda: replies(a, "repair-cafe"))
    assert kept["uri"] == reply.json()["uri"]
    assert kept["author"] == bob.uri
