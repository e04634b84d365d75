"""The payout form of a funded project's page: the organiser pays a member through a
confirmation page, others see no form and are refused, a refusal is shown beside the form in
the member's language with nothing written."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from exchange import ledger, members
from exchange.projects import Proposal
from models import ProjectState, Transfer, TransferKind, utcnow
from services import projects as cases
from services.project_jobs import settle

from .conftest import add_member, logged_in

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def funded(in_process_city: Callable[..., Any]) -> Any:
    """alice's project `bikes` (goal 20.00) funded by bob's 20.00 pledge."""
    app, _, _ = in_process_city(currency={"credit_limit": "100.00"})
    city = app.state.city
    for name in ("alice", "bob", "carol"):
        add_member(app, name)
    deadline = utcnow() + timedelta(days=2)

    def open_and_pledge(session: Any) -> None:
        alice = members.get_member(session, "alice")
        proposal = Proposal(slug="bikes", title="Bike workshop", goal=2_000, deadline=deadline)
        cases.propose(session, city, alice, proposal)
        cases.approve(session, city, "bikes", None)
        cases.pledge(session, city, "bikes", members.get_member(session, "bob"), 2_000)

    city.db.write_sync(open_and_pledge)
    assert settle(city.db, "bikes", now=deadline + timedelta(seconds=1)) is ProjectState.funded
    return app


def payouts(app: Any) -> int:
    return app.state.city.db.read_sync(
        lambda s: (
            s.scalar(
                select(func.count())
                .select_from(Transfer)
                .where(Transfer.kind == TransferKind.payout)
            )
            or 0
        )
    )


def balance(app: Any, name: str) -> int:
    city = app.state.city
    return city.db.read_sync(
        lambda s: ledger.resolve_account(s, city.settings.currency, name, create=False).balance
    )


async def test_the_organiser_pays_a_member_after_a_confirmation_page(
    in_process_city: Callable[..., Any],
) -> None:
    app = funded(in_process_city)
    alice = await logged_in(app, "alice")
    page = (await alice.client.get("/projects/bikes")).text
    assert "Pay out the funds" in page and "Left to pay out: 20.00 GRN." in page

    about = await alice.submit(
        "/projects/bikes", "/projects/bikes/payout", member="carol", amount="12.50", memo="tools"
    )
    assert about.status_code == 200 and payouts(app) == 0
    assert "You are about to pay 12.50 GRN from the project “Bike workshop” to @carol." in (
        about.text
    )
    carried = {name: value for name, value in HIDDEN.findall(about.text) if name != "csrf_token"}
    assert carried["id"]  # the payout's id, made at the first step
    token = (
        (await alice.client.get("/projects/bikes"))
        .text.split('name="csrf_token" value="')[1]
        .split('"')[0]
    )
    form = {**carried, "csrf_token": token, "step": "confirm"}
    paid = await alice.client.post("/projects/bikes/payout", data=form)
    assert paid.status_code == 303 and payouts(app) == 1
    again = await alice.client.post("/projects/bikes/payout", data=form)
    assert again.status_code == 303 and payouts(app) == 1  # confirming twice pays once
    assert balance(app, "carol") == 1_250 and balance(app, "project:bikes") == 750
    after = (await alice.client.get("/projects/bikes")).text
    assert "Left to pay out: 7.50 GRN." in after and "@carol" in after


async def test_a_member_who_is_not_the_organiser_sees_no_form_and_is_refused(
    in_process_city: Callable[..., Any],
) -> None:
    app = funded(in_process_city)
    bob = await logged_in(app, "bob")
    assert "Pay out the funds" not in (await bob.client.get("/projects/bikes")).text
    answer = await bob.submit(
        "/projects/bikes", "/projects/bikes/payout", member="bob", amount="1.00"
    )
    assert answer.status_code == 403 and payouts(app) == 0
    assert "organiser, moderators and admins" in answer.text


async def test_a_payout_over_the_balance_is_refused_in_the_members_language(
    in_process_city: Callable[..., Any],
) -> None:
    app = funded(in_process_city)
    app.state.city.db.write_sync(
        lambda s: setattr(members.get_member(s, "alice"), "language", "fr")
    )
    alice = await logged_in(app, "alice")
    answer = await alice.submit(
        "/projects/bikes", "/projects/bikes/payout", member="carol", amount="20,01"
    )
    assert answer.status_code == 409 and payouts(app) == 0
    assert "Le compte du projet contient 20,00 : il ne peut pas payer 20,01." in answer.text
    unknown = await alice.submit(
        "/projects/bikes", "/projects/bikes/payout", member="nobody", amount="1"
    )
    assert unknown.status_code == 404 and "pas de membre @nobody ici." in unknown.text
    assert payouts(app) == 0
