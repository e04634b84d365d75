"""Report buttons on a listing, a profile and a message of a thread, with a reason category the
moderators read in their queue; a bad category is refused beside its field, nothing filed."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from sqlalchemy import select

from models import Report, Role

from .conftest import add_member, logged_in
from .test_negotiation_pages import site  # noqa: F401  (the fixture: alice's lamp, bob)
from .test_refused_forms import send


def filed(app: Any) -> list[Report]:
    return app.state.city.db.read_sync(lambda s: list(s.scalars(select(Report))))


def report_link(page: str, label: str) -> str:
    """The address of the Report link called `label` on the page."""
    before = page.split(f'class="report">{label}<', 1)[0]
    return unquote(before.rsplit('href="', 1)[1].split('"', 1)[0]).replace("&amp;", "&")


async def test_a_listing_is_reported_from_its_page_with_a_reason_category(
    site: Any,  # noqa: F811
) -> None:
    app, browsers = site
    listing, bob = browsers["listing"], browsers["bob"]
    form_page = report_link((await bob.client.get(listing)).text, "Report this listing")
    target = form_page.split("target=", 1)[1]
    assert target.endswith(listing)
    sent = await send(
        bob, form_page, "/report", target=target, category="fraud", comment="Asks for cash first"
    )
    assert sent.status_code == 303
    [report] = filed(app)
    assert report.category == "fraud" and report.object_uris == [target]
    assert report.account_uri == app.state.city.urls.member("alice")


async def test_a_message_and_a_profile_have_report_buttons(site: Any) -> None:  # noqa: F811
    app, browsers = site
    listing, alice, bob = browsers["listing"], browsers["alice"], browsers["bob"]
    thread = (await send(bob, listing, f"{listing}/question", text="Buy my pills")).headers[
        "location"
    ]
    page = (await alice.client.get(thread)).text
    target = report_link(page, "Report this message").split("target=", 1)[1]
    assert "Report this message" not in (await bob.client.get(thread)).text  # not one's own
    await send(alice, "/report", "/report", target=target, category="spam", comment="Spam")
    [report] = filed(app)
    assert report.account_uri == app.state.city.urls.member("bob")
    assert report.object_uris == [target] and report.category == "spam"

    profile = (await alice.client.get("/@bob")).text
    assert report_link(profile, "Report").endswith("target=@bob")


async def test_an_unknown_category_is_refused_beside_its_field_and_nothing_is_filed(
    site: Any,  # noqa: F811
) -> None:
    app, browsers = site
    refused = await send(
        browsers["bob"], "/report", "/report", target="@alice", category="boring", comment="Hm"
    )
    assert refused.status_code == 400 and 'id="report-category-error"' in refused.text
    assert "Hm</textarea>" in refused.text and filed(app) == []


async def test_the_menu_counts_unread_notifications_and_for_staff_the_waiting_work(
    in_process_city: Any,
) -> None:
    app, _, _ = in_process_city(moderation={"listing_review": "before"})
    add_member(app, "mod", role=Role.moderator)
    add_member(app, "alice")
    mod, alice = await logged_in(app, "mod"), await logged_in(app, "alice")
    try:
        posted = await send(
            alice, "/listings/new", "/listings/new", purpose="offer", title="Lamp", price="3"
        )
        assert posted.status_code == 303
        await send(alice, "/report", "/report", target="@mod", category="other", comment="Hm")
        menu = (await mod.client.get("/")).text.split("</nav>", 1)[0]
        assert "(1 to review)" in menu and "(1 open)" in menu
        assert "members waiting" not in menu  # nothing waits: no count
        listing = posted.headers["location"].split("?")[0].removeprefix("/listings/")
        await send(mod, "/admin/listings", f"/admin/listings/{listing}/approve")
        menu = (await alice.client.get("/")).text.split("</nav>", 1)[0]
        assert "(1 unread)" in menu and "to review" not in menu  # not staff
    finally:
        await mod.client.aclose()
        await alice.client.aclose()
