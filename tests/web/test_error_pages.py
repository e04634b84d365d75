"""What a refused request answers: a browser gets the error page with the refusal's status,
others JSON."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from exchange import search
from models import Role

from .conftest import Browser, add_member, logged_in

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
JSON = {"Accept": "application/json"}


@pytest.fixture
async def site(in_process_city: Callable[..., Any]) -> AsyncIterator[tuple[Browser, Browser]]:
    """A browser logged in as alice (a plain member), and one that is not logged in."""
    app, _, http = in_process_city()
    add_member(app, "alice", role=Role.member)
    alice = await logged_in(app, "alice")
    yield alice, Browser(http)
    await alice.client.aclose()


def assert_error_page(answer: Any, status: int, message: str) -> None:
    assert answer.status_code == status, answer.text[:300]
    assert answer.headers["content-type"].startswith("text/html")
    assert f"<h1>{status}</h1>" in answer.text and message in answer.text


@pytest.mark.parametrize("path", ["/no/such/page", "/@nobody", "/notes/nothing-here"])
async def test_a_browser_asking_for_a_missing_page_gets_the_404_page(site: Any, path: str) -> None:
    _, stranger = site
    answer = await stranger.client.get(path, headers=HTML)
    assert_error_page(answer, 404, "Not Found" if path == "/no/such/page" else "No such")


@pytest.mark.parametrize(
    "path, message",
    [
        ("/admin/members", "Only moderators may see this page."),
        ("/admin/listings", "Only moderators may see this page."),
        ("/admin/ledger", "Only admins may see this page."),
        ("/admin/domains", "Only admins may see this page."),
    ],
)
async def test_a_member_opening_an_admin_page_gets_the_403_page(
    site: Any, path: str, message: str
) -> None:
    alice, _ = site
    assert_error_page(await alice.client.get(path, headers=HTML), 403, message)


async def test_a_logged_out_browser_opening_the_account_page_is_sent_to_log_in_and_back(
    site: Any,
) -> None:
    _, stranger = site
    answer = await stranger.client.get("/account?before=5", headers=HTML)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Faccount%3Fbefore%3D5"


async def test_the_login_page_reached_from_a_redirect_brings_the_member_back(site: Any) -> None:
    _, stranger = site
    page = await stranger.client.get("/login?next=%2Faccount", headers=HTML)
    assert '<input type="hidden" name="next" value="/account">' in page.text


async def test_a_logged_out_form_post_gets_the_401_page_with_a_login_link(site: Any) -> None:
    _, stranger = site
    token = await stranger.form_token("/login")
    answer = await stranger.client.post(
        "/account/pay", data={"csrf_token": token, "to": "alice", "amount": "1"}, headers=HTML
    )
    assert_error_page(answer, 401, "Log in first.")
    assert '<a href="/login">Log in</a>' in answer.text


async def test_a_page_that_crashes_gets_the_500_page_without_the_details(
    site: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, stranger = site

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(search, "browse", crash)
    transport = stranger.client._transport
    assert isinstance(transport, httpx.ASGITransport)
    transport.raise_app_exceptions = False
    answer = await stranger.client.get("/listings", headers=HTML)
    assert_error_page(answer, 500, "Something went wrong on our side.")
    assert "secret detail" not in answer.text


async def test_a_crash_answers_json_to_a_client_that_does_not_ask_for_html(
    site: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, stranger = site

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(search, "browse", crash)
    transport = stranger.client._transport
    assert isinstance(transport, httpx.ASGITransport)
    transport.raise_app_exceptions = False
    answer = await stranger.client.get("/listings", headers=JSON)
    assert answer.status_code == 500
    assert answer.json()["error"] == "internal server error"


async def test_the_error_page_is_the_site_page_with_the_member_still_logged_in(site: Any) -> None:
    alice, _ = site
    page = (await alice.client.get("/no/such/page", headers=HTML)).text
    assert "<title>404 · " in page and "alice" in page


async def test_a_refusal_of_the_rules_no_page_answers_itself_gets_the_page_with_its_status(
    site: Any,
) -> None:
    alice, _ = site
    answer = await alice.client.get("/negotiations/no-such-thread", headers=HTML)
    assert_error_page(answer, 404, "negotiation &#39;no-such-thread&#39; not found")


async def test_a_refusal_of_the_rules_answers_json_to_a_client_that_does_not_ask_for_html(
    site: Any,
) -> None:
    alice, _ = site
    answer = await alice.client.get("/negotiations/no-such-thread", headers=JSON)
    assert answer.status_code == 404
    assert answer.json() == {"error": "negotiation 'no-such-thread' not found"}


@pytest.mark.parametrize(
    "who, path, status, message",
    [
        ("stranger", "/no/such/page", 404, "Not Found"),
        ("alice", "/admin/members", 403, "Only moderators may see this page."),
        ("stranger", "/account", 401, "Log in first."),
    ],
)
async def test_the_same_refusals_answer_json_to_a_client_asking_for_json(
    site: Any, who: str, path: str, status: int, message: str
) -> None:
    browser = dict(zip(("alice", "stranger"), site, strict=True))[who]
    answer = await browser.client.get(path, headers=JSON)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {"error": message}


async def test_the_api_keeps_its_own_error_shape_even_for_a_browser(site: Any) -> None:
    _, stranger = site
    answer = await stranger.client.get("/api/comptoir/v1/ledger/account", headers=HTML)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthorized"
