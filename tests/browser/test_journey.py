"""The main journey in Chromium, at phone and desktop widths: two residents sign up and are
approved, one publishes a listing with a photo that a moderator approves, the other makes an
offer, the seller counters, the buyer accepts and pays, and both see the deal paid.

Every page on the way is checked (tests/browser/conftest.py): screenshots, axe, no sideways
scroll at 390 px.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from models import Role

from ..listings.conftest import image_bytes
from .conftest import PASSWORD, SQLITE_ONLY, Findings, Person, add_member

pytestmark = SQLITE_ONLY


async def sign_up(person: Person) -> None:
    await person.open("/register")
    await person.page.get_by_label("Username").fill(person.name)
    await person.page.get_by_label("Password").fill(PASSWORD)
    await person.page.get_by_label("Why do you want to join?").fill("I fix bikes.")
    await person.press("Join")
    assert "A moderator will review your account" in await person.text()
    await person.seen("signed up")


async def test_a_listing_goes_from_sign_up_to_paid_in_the_browser(
    start_city: Callable[..., Any], people: Callable[..., Any], findings: Findings
) -> None:
    city = await start_city(
        moderation={"listing_review": "before", "registration": "approval"},
        currency={"credit_limit": "100.00"},
    )
    add_member(city, "admin", Role.admin)
    add_member(city, "mod", Role.moderator)
    alice, bob = await people("alice", city), await people("bob", city)
    admin, mod = await people("admin", city), await people("mod", city)

    await alice.open("/")
    await sign_up(alice)
    await sign_up(bob)

    await admin.log_in()
    await admin.open("/admin/members")
    for name in ("alice", "bob"):
        await admin.page.locator(f'form[action="/admin/members/{name}/approve"] button').click()
        await admin.page.wait_for_load_state()
    await admin.seen("members approved")
    assert "pending" not in await admin.text()

    await alice.log_in()
    await alice.open("/listings/new")
    await alice.page.get_by_label("Title").fill("Bike repair")
    await alice.page.get_by_label("Description").fill("Flat tyres, brakes, gears.")
    await alice.page.get_by_label("Price per unit").fill("10.00")
    await alice.page.get_by_label("Photo 1", exact=True).set_input_files(
        {"name": "bike.png", "mimeType": "image/png", "buffer": image_bytes("PNG")}
    )
    await alice.page.get_by_label("What photo 1 shows").fill("A bike upside down on a table")
    await alice.press("Post")
    assert "Waiting for a moderator." in await alice.text()
    await alice.seen("listing waiting")
    listing_url = alice.page.url.split("?")[0]
    listing_path = listing_url.removeprefix(city.url)

    await mod.log_in()
    await mod.open("/admin/listings")
    await mod.press("Approve")
    await mod.seen("listing approved")

    await bob.log_in()
    await bob.open("/listings")
    await bob.page.get_by_role("link", name="Bike repair").first.click()
    await bob.page.wait_for_load_state()
    await bob.seen("listing")
    assert await bob.page.get_by_role("img", name="A bike upside down on a table").count() == 1
    await bob.page.get_by_label("Your question to").fill("Do you fix gears too?")
    await bob.press("Ask")
    await bob.seen("question asked")
    thread_path = bob.page.url.removeprefix(city.url).split("?")[0]
    assert re.match(r"^/negotiations/[\w-]+$", thread_path), thread_path
    await bob.open(listing_path, "listing")
    await bob.page.get_by_label("Total price in").fill("8.00")
    await bob.page.get_by_label("Message", exact=True).fill("Would 8 do?")
    await bob.press("Send the offer")
    assert "You are about to offer: 1 × “Bike repair” for 8.00 GRN." in await bob.text()
    await bob.seen("offer to confirm")
    await bob.press("Confirm")
    await bob.seen("offer sent")
    assert bob.page.url.removeprefix(city.url).split("?")[0] == thread_path

    await alice.open("/negotiations")
    await alice.open(thread_path, "thread")
    assert "Do you fix gears too?" in await alice.text()
    await alice.page.locator('form[action$="/counter"] input[name="price"]').fill("9.00")
    await alice.page.locator('form[action$="/counter"] button').click()
    await alice.page.wait_for_load_state()
    await alice.press("Confirm")
    await alice.seen("countered")

    await bob.open(thread_path, "thread")
    await bob.press("Accept")
    assert "You are about to accept: 1 × “Bike repair” for 9.00 GRN." in await bob.text()
    await bob.seen("acceptance to confirm")
    await bob.press("Confirm")
    await bob.seen("accepted")
    await bob.press("Pay 9.00 GRN")
    await bob.seen("payment to confirm")
    await bob.press("Confirm")
    await bob.seen("paid")
    assert "Agreement paid" in await bob.text()

    await alice.open(thread_path, "thread")
    assert "Agreement paid" in await alice.text()
    await alice.open("/account")
    assert "Balance: 9.00 GRN" in await alice.text()
    await bob.open("/account")
    assert "Balance: -9.00 GRN" in await bob.text()
    await bob.open(listing_path, "listing after the deal")

    for resident_page in (
        "/notifications",
        "/conversations",
        "/account/sessions",
        "/account/organisation",
        "/timeline",
    ):
        await bob.open(resident_page)
    for staff_page in (
        "/admin/members",
        "/admin/reports",
        "/admin/ledger",
        "/admin/domains",
        "/admin/domains/lists",
        "/admin/domains/public",
        "/admin/log",
        "/admin/federation",
        "/admin/partners",
        "/admin/settlements",
        "/admin/remote-accounts",
        "/admin/organisations",
    ):
        await admin.open(staff_page)
    await mod.open("/admin/listings")
    findings.assert_none()
