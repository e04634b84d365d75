"""Every request of the federation client ends by its deadline, however slowly a server answers.

A slow-loris server sends its headers at once, then one body byte every 0.2 s for a minute: each
byte resets a per-read timeout, so only a total deadline ends the request. The client must give
up at its deadline (0.5 s here) with a FetchTimeout and close the connection, for GETs (httpx)
and for POSTs (aiohttp, the deliveries) alike.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from federation.client import FederationClient
from federation.errors import FetchTimeout

from ..slow_server import SlowLoris
from .helpers import KEY_ID, rsa_keys

DEADLINE = 0.5
#: proves the call ended, not how fast: the server would hold it for 60 s
ENDED_WITHIN = 10.0


@pytest.fixture
async def client() -> AsyncIterator[FederationClient]:
    client = FederationClient(
        user_agent="Comptoir-test/0", allow_loopback=True, allow_http=True, deadline=DEADLINE
    )
    yield client
    await client.aclose()


async def test_a_dribbled_get_is_cut_off_at_the_deadline(client: FederationClient) -> None:
    async with SlowLoris() as server:
        with pytest.raises(FetchTimeout, match="deadline"):
            async with asyncio.timeout(ENDED_WITHIN):
                await client.get_json(server.url("/users/slow"))
        async with asyncio.timeout(ENDED_WITHIN):
            await server.closed_by_client.wait()
    assert server.connections == 1


async def test_a_dribbled_delivery_is_cut_off_at_the_deadline(client: FederationClient) -> None:
    async with SlowLoris() as server:
        with pytest.raises(FetchTimeout, match="deadline"):
            async with asyncio.timeout(ENDED_WITHIN):
                await client.post_activity(
                    server.url("/inbox"),
                    b'{"type":"Follow"}',
                    key_id=KEY_ID,
                    private_key=rsa_keys()[0],
                )
        async with asyncio.timeout(ENDED_WITHIN):
            await server.closed_by_client.wait()
    assert server.connections == 1
