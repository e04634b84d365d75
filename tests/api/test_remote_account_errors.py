"""Looking up a remote account that cannot be fetched tells the member a generic reason with a
stable code, never the addresses or host names behind it; the detail goes to the log."""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Callable
from typing import Any

import pytest

from instance.actors import ensure_service_actors

from .conftest import Client

#: anything that maps our network: IPv4 addresses, host:port pairs, resolver words
INTERNALS = re.compile(r"\d+\.\d+\.\d+\.\d+|localhost|:\d{2,5}\b|loopback|private|resolves|Errno")


def dead_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def follow(city: Client, account: str) -> Any:
    return await city.post("/follows", {"account": account}, as_="alice")


async def mention(city: Client, account: str) -> Any:
    return await city.post("/notes", {"text": "hello", "mentions": [account]}, as_="alice")


LOOKUPS = [follow, mention]


async def city_with_alice(api: Callable[..., Any], **sections: dict[str, Any]) -> Client:
    city: Client = await api(**sections)
    city.app.state.city.db.write_sync(ensure_service_actors)  # what start-up does: signs fetches
    city.member("alice")
    return city


@pytest.fixture
async def guarded_city(api: Callable[..., Any]) -> Client:
    """A city whose client refuses loopback addresses, as every production city does."""
    return await city_with_alice(api, federation={"allow_loopback_http": False})


@pytest.mark.parametrize("lookup", LOOKUPS)
async def test_a_loopback_host_is_refused_without_naming_its_address(
    guarded_city: Client, lookup: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="comptoir.api"):
        answer = await lookup(guarded_city, "user@localhost")
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "address_not_allowed"
    assert not INTERNALS.search(answer.text), answer.text
    assert "127.0.0.1" in caplog.text, "the detail is logged for the admin"


@pytest.mark.parametrize("lookup", LOOKUPS)
async def test_a_private_address_is_refused_without_naming_it(
    guarded_city: Client, lookup: Callable[..., Any]
) -> None:
    answer = await lookup(guarded_city, "user@10.20.30.40")
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "address_not_allowed"
    assert not INTERNALS.search(answer.text), answer.text


@pytest.mark.parametrize("lookup", LOOKUPS)
async def test_a_dead_port_is_unreachable_without_naming_it(
    api: Callable[..., Any], lookup: Callable[..., Any]
) -> None:
    city = await city_with_alice(api)
    answer = await lookup(city, f"user@127.0.0.1:{dead_port()}")
    assert answer.status_code == 502
    assert answer.json()["error"]["code"] == "server_unreachable"
    assert not INTERNALS.search(answer.text), answer.text
