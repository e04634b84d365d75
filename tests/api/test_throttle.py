"""The API's rate limits: per token, per address without one, 429 with Retry-After past them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .conftest import API, Client


async def test_a_token_past_its_limit_gets_429_with_retry_after(api: Callable[..., Any]) -> None:
    city: Client = await api(api={"requests_per_5_minutes": 3})
    city.member("alice")
    for _ in range(3):
        assert (await city.get("/ledger/account", as_="alice")).status_code == 200
    refused = await city.get("/ledger/account", as_="alice")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "too_many_requests"
    assert 1 <= int(refused.headers["retry-after"]) <= 100


async def test_each_token_has_its_own_budget(api: Callable[..., Any]) -> None:
    city: Client = await api(api={"requests_per_5_minutes": 2})
    city.member("alice")
    city.member("bob")
    for _ in range(3):
        await city.get("/ledger/account", as_="alice")
    assert (await city.get("/ledger/account", as_="bob")).status_code == 200


async def test_requests_without_a_token_are_counted_per_address(api: Callable[..., Any]) -> None:
    city: Client = await api(api={"anonymous_requests_per_5_minutes": 2})
    for _ in range(2):
        assert (await city.http.get(f"{API}/listings")).status_code == 200
    assert (await city.http.get(f"{API}/listings")).status_code == 429


async def test_zero_means_no_limit(api: Callable[..., Any]) -> None:
    city: Client = await api(api={"anonymous_requests_per_5_minutes": 0})
    for _ in range(20):
        assert (await city.http.get(f"{API}/listings")).status_code == 200
