"""A refused form comes back on its own page: the refusal's status, why, and what was typed.

Each test sends a form as a browser would (Accept: text/html) and reads the answer's inputs:
nothing the member typed is lost, and it is shown as text, never as markup.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from exchange import negotiations, reports
from models import Negotiation, Role

from .conftest import Browser, add_member, logged_in

HTML = {"Accept": "text/html"}


@pytest.fixture
async def site(in_process_city: Callable[..., Any]) -> AsyncIterator[tuple[Any, dict[str, Any]]]:
    """alice, bob and a moderator, each logged in from a browser of their own; no listing review."""
    app, _, _ = in_process_city(
        currency={"credit_limit": "100.00"}, moderation={"listing_review": "after"}
    )
    for name, role in (("alice", Role.member), ("bob", Role.member), ("mod", Role.moderator)):
        add_member(app, name, role=role)
    browsers = {name: await logged_in(app, name) for name in ("alice", "bob", "mod")}
    yield app, browsers
    for browser in browsers.values():
        await browser.client.aclose()


async def send(browser: Browser, page: str, address: str, /, **fields: str) -> httpx.Response:
    """A form of `page` sent to `address`, with this session's CSRF token."""
    token = await browser.form_token(page)
    return await browser.client.post(address, data={"csrf_token": token, **fields}, headers=HTML)


def input_value(page: str, name: str) -> str | None:
    """The value of the first input called `name`, as the HTML holds it (escaped); None if none."""
    tag = re.search(rf'<input [^>]*name="{name}"[^>]*>', page)
    assert tag, f"no input {name}"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else None


def textarea(page: str, name: str) -> str:
    """What the first textarea called `name` holds, as the HTML holds it (escaped)."""
    found = re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    assert found, f"no textarea {name}"
    return found.group(1)


async def a_thread(app: Any, browsers: dict[str, Browser]) -> str:
    """alice's listing and bob's offer on it: the thread's path."""
    posted = await send(
        browsers["alice"],
        "/listings/new",
        "/listings/new",
        purpose="offer",
        title="Bike repair",
        price="3.00",
    )
    assert posted.status_code == 303
    listing = posted.headers["location"].split("?")[0]
    offered = await send(
        browsers["bob"], listing, f"{listing}/offer", quantity="1", price="2.50", step="confirm"
    )
    assert offered.status_code == 303
    thread = app.state.city.db.read_sync(lambda s: s.scalar(select(Negotiation)))
    return f"/negotiations/{thread.public_id}"


def thread_messages(app: Any) -> int:
    def read(session: Any) -> int:
        negotiation = session.scalar(select(Negotiation))
        return len(negotiations.thread(session, negotiation).messages)

    return app.state.city.db.read_sync(read)


@pytest.mark.parametrize(
    ("to", "amount", "status", "said"),
    [
        ("bob", "100.01", 422, "credit limit"),
        ("nobody", "1.00", 404, "nobody"),
        ("bob", "abc", 400, "decimal number"),
    ],
)
async def test_a_refused_payment_shows_the_account_page_with_what_was_typed(
    site: Any, to: str, amount: str, status: int, said: str
) -> None:
    _, browsers = site
    refused = await send(
        browsers["alice"],
        "/account",
        "/account/pay",
        to=to,
        amount=amount,
        memo='bread <b>"fresh"</b>',
    )
    assert refused.status_code == status and refused.headers["content-type"].startswith("text/html")
    assert "<h1>My account</h1>" in refused.text and said in refused.text
    page = refused.text
    assert input_value(page, "to") == to and input_value(page, "amount") == amount
    assert input_value(page, "memo") == "bread &lt;b&gt;&#34;fresh&#34;&lt;/b&gt;"


async def test_a_refused_counter_offer_keeps_its_terms(site: Any) -> None:
    app, browsers = site
    thread = await a_thread(app, browsers)
    refused = await send(
        browsers["alice"],
        thread,
        f"{thread}/counter",
        quantity="1",
        price="2.999",
        goods="a pump",
        message="My last word",
    )
    assert refused.status_code == 400 and "decimal places" in refused.text
    form = refused.text.split("<h2>Counter-offer</h2>", 1)[1]
    assert input_value(form, "price") == "2.999" and input_value(form, "goods") == "a pump"
    assert textarea(form, "message") == "My last word"


async def test_an_empty_message_is_refused_on_the_thread_page(site: Any) -> None:
    app, browsers = site
    thread = await a_thread(app, browsers)
    refused = await send(browsers["bob"], thread, f"{thread}/message", text="   ")
    assert refused.status_code == 400 and "a message needs some text" in refused.text
    assert f'action="{thread}/message"' in refused.text and thread_messages(app) == 0


async def test_an_oversized_message_comes_back_whole_with_the_limit(site: Any) -> None:
    app, browsers = site
    thread = await a_thread(app, browsers)
    text = "word " * 1001
    refused = await send(browsers["bob"], thread, f"{thread}/message", text=text)
    assert refused.status_code == 400 and "at most 5000 characters" in refused.text
    assert textarea(refused.text, "text") == text and thread_messages(app) == 0


async def test_a_refused_report_action_keeps_the_moderators_reason(site: Any) -> None:
    app, browsers = site
    filed = await send(
        browsers["alice"], "/report", "/report", target="@bob", comment="He insulted me"
    )
    assert filed.status_code == 303
    [report] = app.state.city.db.read_sync(lambda s: reports.list_reports(s))
    page = f"/admin/reports/{report.public_id}"
    refused = await send(
        browsers["mod"], page, f"{page}/act", action="hide", reason="insults <again>"
    )
    assert refused.status_code == 409 and "names no object" in refused.text
    form = refused.text.split(f'action="{page}/act"', 1)[1]
    assert input_value(form, "reason") == "insults &lt;again&gt;"
    assert 'value="hide" selected' in form
