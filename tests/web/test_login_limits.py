"""Failed logins are counted per client address and per account: guessing one member's password
from many addresses is throttled too. Past a limit the login answers 429 with Retry-After."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from .conftest import Browser, add_member

WRONG = "not the password"
BrowserAt = Callable[[str], Browser]


@pytest.fixture
async def city(web_city: Callable[..., Any]) -> Any:
    app, _ = await web_city()
    add_member(app, "alice")
    return app


@pytest.fixture
async def browser_at(city: Any) -> AsyncIterator[BrowserAt]:
    """A browser of its own calling from the given client address (as the ASGI scope says)."""
    made: list[httpx.AsyncClient] = []

    def make(address: str) -> Browser:
        transport = httpx.ASGITransport(app=city, client=(address, 40000))
        client = httpx.AsyncClient(transport=transport, base_url=city.state.city.settings.base_url)
        made.append(client)
        return Browser(client)

    yield make
    for client in made:
        await client.aclose()


async def log_in(browser: Browser, username: str, password: str) -> httpx.Response:
    return await browser.submit("/login", "/login", username=username, password=password)


async def test_failed_logins_for_one_account_from_many_addresses_are_throttled(
    browser_at: BrowserAt,
) -> None:
    for n in range(10):
        answer = await log_in(browser_at(f"192.0.2.{n + 1}"), "alice", WRONG)
        assert answer.status_code == 401
    refused = await log_in(browser_at("192.0.2.11"), "Alice", WRONG)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1


async def test_a_throttled_account_is_refused_even_with_its_password(
    browser_at: BrowserAt,
) -> None:
    for n in range(10):
        await log_in(browser_at(f"192.0.2.{n + 1}"), "alice", WRONG)
    answer = await log_in(browser_at("198.51.100.7"), "alice", "correct horse battery")
    assert answer.status_code == 429


async def test_failed_logins_from_one_address_answer_429_with_retry_after(
    city: Any,
    browser_at: BrowserAt,
) -> None:
    for n in range(10):
        add_member(city, f"member{n}")
    browser = browser_at("203.0.113.5")
    for n in range(10):
        assert (await log_in(browser, f"member{n}", WRONG)).status_code == 401
    refused = await log_in(browser, "alice", WRONG)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert "text/html" in refused.headers["content-type"]


async def test_another_address_and_account_are_not_held_up_by_them(
    city: Any,
    browser_at: BrowserAt,
) -> None:
    add_member(city, "bob")
    attacker = browser_at("203.0.113.5")
    for _ in range(11):
        await log_in(attacker, "alice", WRONG)
    answer = await log_in(browser_at("198.51.100.7"), "bob", "correct horse battery")
    assert answer.status_code == 303
