"""Made-up bearer tokens cannot dodge the API's limits: a token the city does not know counts
against the client address, like a request without a token; only a real token has a budget of
its own."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from .conftest import API, Client


def made_up() -> dict[str, str]:
    return {"Authorization": f"Bearer cpt_{secrets.token_urlsafe(32)}"}


async def test_thirty_made_up_tokens_from_one_address_hit_the_address_limit(
    api: Callable[..., Any],
) -> None:
    city: Client = await api(api={"anonymous_requests_per_5_minutes": 20})
    statuses = [
        (await city.http.get(f"{API}/ledger/account", headers=made_up())).status_code
        for _ in range(30)
    ]
    assert statuses[:20] == [401] * 20
    assert statuses[20:] == [429] * 10


async def test_a_real_token_keeps_its_own_budget_while_made_up_ones_are_refused(
    api: Callable[..., Any],
) -> None:
    city: Client = await api(api={"anonymous_requests_per_5_minutes": 3})
    city.member("alice")
    assert (await city.get("/ledger/account", as_="alice")).status_code == 200
    for _ in range(5):
        await city.http.get(f"{API}/ledger/account", headers=made_up())
    assert (await city.http.get(f"{API}/ledger/account", headers=made_up())).status_code == 429
    assert (await city.get("/ledger/account", as_="alice")).status_code == 200
