"""Organisation pages: a member asks from their account, a moderator answers on
/admin/organisations (CSRF, moderators and admins only), the public profile and the project
page show the badge; refusals come back beside their form, in the member's language."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from exchange import members
from exchange import organisations as rules
from models import Role

from .conftest import Browser, add_member, logged_in
from .test_refused_forms import send

ASKING = {"kind": "workshop", "presentation": "Bike repair on Saturdays", "website": ""}


@pytest.fixture
async def town(
    in_process_city: Callable[..., Any],
) -> AsyncIterator[tuple[Any, Browser, Browser, Browser]]:
    app, _, _ = in_process_city()
    add_member(app, "atelier")
    add_member(app, "bob")
    add_member(app, "modo", role=Role.moderator)
    atelier, bob, modo = [await logged_in(app, name) for name in ("atelier", "bob", "modo")]
    yield app, atelier, bob, modo
    for browser in (atelier, bob, modo):
        await browser.client.aclose()


def _request_id(app: Any) -> str:
    return app.state.city.db.read_sync(
        lambda s: rules.latest(s, members.get_member(s, "atelier")).public_id
    )


async def _ask(atelier: Browser) -> None:
    page = "/account/organisation"
    sent = await send(atelier, page, page, **ASKING)
    assert sent.status_code == 303, sent.text


async def test_a_member_asks_from_their_account_and_sees_it_waiting(town: Any) -> None:
    app, atelier, _, _ = town
    assert "/account/organisation" in (await atelier.client.get("/account")).text
    await _ask(atelier)
    shown = (await atelier.client.get("/account/organisation")).text
    assert "waiting for a moderator" in shown and "Bike repair on Saturdays" in shown
    assert "Withdraw my request" in shown


async def test_a_second_request_is_refused_beside_the_form(town: Any) -> None:
    app, atelier, _, _ = town
    await _ask(atelier)
    token = await atelier.form_token("/account/organisation")
    again = await atelier.client.post("/account/organisation", data={"csrf_token": token, **ASKING})
    assert again.status_code == 409
    assert "already waiting for staff" in again.text


async def test_a_bad_website_is_refused_and_what_was_typed_is_kept(town: Any) -> None:
    app, atelier, _, _ = town
    page = "/account/organisation"
    refused = await send(atelier, page, page, **{**ASKING, "website": "ftp://x"})
    assert refused.status_code == 400 and 'id="ask-website-error"' in refused.text
    assert "Bike repair on Saturdays" in refused.text
    assert (
        app.state.city.db.read_sync(lambda s: rules.latest(s, members.get_member(s, "atelier")))
        is None
    )


async def test_a_moderator_approves_and_the_badge_shows(town: Any) -> None:
    app, atelier, _, modo = town
    await _ask(atelier)
    queue = (await modo.client.get("/admin/organisations")).text
    assert "@atelier" in queue and "Bike repair on Saturdays" in queue
    request_id = _request_id(app)
    page = "/admin/organisations"
    done = await send(modo, page, f"{page}/{request_id}/approve", reason="")
    assert done.status_code == 303, done.text
    profile = (await atelier.client.get("/@atelier")).text
    assert 'class="badge organisation"' in profile
    assert (
        "Your account is an organisation"
        in (await atelier.client.get("/account/organisation")).text
    )
    assert "@atelier" in (await modo.client.get(page)).text  # among the organisations now


async def test_a_persons_profile_has_no_badge(town: Any) -> None:
    _, _, bob, _ = town
    assert 'class="badge organisation"' not in (await bob.client.get("/@bob")).text


async def test_declining_needs_a_reason_and_the_member_reads_it(town: Any) -> None:
    app, atelier, _, modo = town
    await _ask(atelier)
    request_id = _request_id(app)
    page = "/admin/organisations"
    blank = await send(modo, page, f"{page}/{request_id}/decline", reason=" ")
    assert blank.status_code == 400 and "reason is required" in blank.text
    done = await send(modo, page, f"{page}/{request_id}/decline", reason="No address given")
    assert done.status_code == 303
    shown = (await atelier.client.get("/account/organisation")).text
    assert "declined: No address given" in shown and "Send my request" in shown


async def test_a_member_withdraws_and_staff_cannot_approve_it_then(town: Any) -> None:
    app, atelier, _, modo = town
    await _ask(atelier)
    request_id = _request_id(app)
    page = "/account/organisation"
    assert (await send(atelier, page, f"{page}/withdraw")).status_code == 303
    token = await modo.form_token("/account/organisation")
    late = await modo.client.post(
        f"/admin/organisations/{request_id}/approve", data={"csrf_token": token}
    )
    assert late.status_code == 409
    assert "withdrawn organisation request cannot become approved" in late.text


async def test_a_member_may_not_see_or_answer_the_queue(town: Any) -> None:
    app, atelier, bob, _ = town
    await _ask(atelier)
    assert (await bob.client.get("/admin/organisations")).status_code == 403
    token = await bob.form_token("/account/organisation")
    refused = await bob.client.post(
        f"/admin/organisations/{_request_id(app)}/approve", data={"csrf_token": token}
    )
    assert refused.status_code == 403
    assert (
        app.state.city.db.read_sync(lambda s: members.get_member(s, "atelier").is_organisation)
        is False
    )


async def test_an_answer_without_the_csrf_token_is_refused(town: Any) -> None:
    app, atelier, _, modo = town
    await _ask(atelier)
    refused = await modo.client.post(f"/admin/organisations/{_request_id(app)}/approve")
    assert refused.status_code == 403


async def test_a_moderator_revokes_an_organisation(town: Any) -> None:
    app, atelier, _, modo = town
    await _ask(atelier)
    page = "/admin/organisations"
    await send(modo, page, f"{page}/{_request_id(app)}/approve")
    done = await send(modo, page, f"{page}/revoke", account="atelier", reason="Closed down")
    assert done.status_code == 303
    assert 'class="badge organisation"' not in (await modo.client.get("/@atelier")).text
    assert (
        "no longer an organisation: Closed down"
        in (await atelier.client.get("/account/organisation")).text
    )


async def test_the_pages_speak_french(town: Any) -> None:
    app, atelier, _, _ = town
    french = {"Accept-Language": "fr"}
    shown = (await atelier.client.get("/account/organisation", headers=french)).text
    assert "Compte d’organisation" in shown and "Une association" in shown
    await _ask(atelier)
    token = await atelier.form_token("/account/organisation")
    again = await atelier.client.post(
        "/account/organisation", data={"csrf_token": token, **ASKING}, headers=french
    )
    assert again.status_code == 409 and "Une demande" in again.text


async def test_the_menu_counts_the_requests_waiting_for_staff(town: Any) -> None:
    _, atelier, _, modo = town
    await _ask(atelier)
    menu = (await modo.client.get("/account")).text
    assert "(1 waiting)" in menu
