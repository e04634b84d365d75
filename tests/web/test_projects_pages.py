"""The project pages: staff approve, a member pledges through the form, the AS2 Page by
content negotiation, and a pledge over the limit shown again with nothing written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from exchange import members
from exchange.projects import Proposal
from models import Job, Pledge, ProjectState, Role, utcnow
from services import projects as cases
from services.project_jobs import settle

from .conftest import add_member, logged_in

AS2 = "application/activity+json"


def pledges(app: Any) -> int:
    return app.state.city.db.read_sync(
        lambda s: s.scalar(select(func.count()).select_from(Pledge)) or 0
    )


async def test_staff_open_a_project_and_a_member_pledges_from_its_page(
    in_process_city: Callable[..., Any],
) -> None:
    app, _, http = in_process_city(currency={"credit_limit": "100.00"})
    city = app.state.city
    add_member(app, "alice")
    add_member(app, "mayor", role=Role.moderator)
    deadline = utcnow() + timedelta(days=2)
    city.db.write_sync(
        lambda s: cases.propose(
            s,
            city,
            members.get_member(s, "alice"),
            Proposal(slug="bikes", title="Bike workshop", goal=5_000, deadline=deadline),
        )
    )
    assert (await http.get("/projects/bikes")).status_code == 404  # a draft, to strangers
    mayor = await logged_in(app, "mayor")
    approved = await mayor.submit("/projects/bikes", "/projects/bikes/approve")
    assert approved.status_code == 303
    jobs = city.db.read_sync(
        lambda s: s.scalars(select(Job.run_at).where(Job.key == "project.close:bikes")).all()
    )
    assert [abs((run_at - deadline).total_seconds()) < 1 for run_at in jobs] == [True]

    alice = await logged_in(app, "alice")
    over = await alice.submit("/projects/bikes", "/projects/bikes/pledge", amount="100.01")
    assert over.status_code == 422 and "100.01" in over.text and pledges(app) == 0
    done = await alice.submit("/projects/bikes", "/projects/bikes/pledge", amount="12.50")
    assert done.status_code == 303 and pledges(app) == 1
    page = (await alice.client.get("/projects/bikes")).text
    assert "pledged: 12.50" in page and "Withdraw" in page

    document = (await http.get("/projects/bikes", headers={"Accept": AS2})).json()
    assert document["type"] == "Page" and document["name"] == "Bike workshop"
    assert document["pledged"] == "12.50" and document["goal"] == "50.00"
    assert "Goal: 50.00" in document["content"] and document["endTime"]
    listed = (await http.get("/projects")).text
    assert "Bike workshop" in listed
    await mayor.client.aclose()
    await alice.client.aclose()


async def test_the_organiser_sees_the_funds_once_the_goal_is_reached(
    in_process_city: Callable[..., Any],
) -> None:
    app, _, _ = in_process_city(currency={"credit_limit": "100.00"})
    city = app.state.city
    add_member(app, "alice")
    add_member(app, "bob")
    deadline = utcnow() + timedelta(days=2)

    def propose_and_open(session: Any) -> None:
        alice = members.get_member(session, "alice")
        proposal = Proposal(slug="bikes", title="Bike workshop", goal=2_000, deadline=deadline)
        cases.propose(session, city, alice, proposal)
        cases.approve(session, city, "bikes", None)

    city.db.write_sync(propose_and_open)
    bob = await logged_in(app, "bob")
    assert (
        await bob.submit("/projects/bikes", "/projects/bikes/pledge", amount="20")
    ).status_code == 303
    alice = await logged_in(app, "alice")
    before = (await alice.client.get("/projects/bikes")).text
    assert "Received: 0.00 GRN. Held in pledges: 20.00 GRN." in before
    assert "Received:" not in (await bob.client.get("/projects/bikes")).text  # not bob's

    assert settle(city.db, "bikes", now=deadline + timedelta(seconds=1)) is ProjectState.funded
    after = (await alice.client.get("/projects/bikes")).text
    assert "Received: 20.00 GRN." in after and "Held in pledges" not in after
