"""FederationClient against real servers on loopback: signing, the SSRF guard, redirects, caps.

Every test runs under ``loopback_only``: a connection to anything but 127.0.0.0/8 or ::1 fails
the test's connect call and is recorded, so even a broken guard could not reach another host.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from federation.client import FederationClient, parse_retry_after
from federation.errors import AddressRefused, BadDocument, FetchError, ResponseTooLarge
from federation.httpsig import parse_signature_header, verify_request

from .helpers import KEY_ID, OWNER, KeyStore, rsa_keys
from .loopback import LoopbackServer, RecordedRequest, Reply, json_reply

ACTOR = b'{"id": "https://remote.example/users/bob", "type": "Person"}'


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    refused: list[Any] = []
    original = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else ""
        try:
            loopback = ipaddress.ip_address(host.partition("%")[0]).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            refused.append(address)
            raise OSError(f"test guard: connection to {address!r} refused")
        return original(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return refused


@pytest.fixture
async def local_client() -> AsyncIterator[FederationClient]:
    client = FederationClient(
        user_agent="Comptoir-test/0", allow_loopback=True, allow_http=True, pool_clients=2
    )
    yield client
    await client.aclose()


@pytest.fixture
async def strict_client() -> AsyncIterator[FederationClient]:
    client = FederationClient(user_agent="Comptoir-test/0", allow_http=True, connect_timeout=1.0)
    yield client
    await client.aclose()


async def serve_actor(request: RecordedRequest) -> Reply:
    return json_reply(ACTOR)


# ------------------------------------------------------------------------------- signing


async def test_signed_get_carries_a_signature_that_verifies(local_client: FederationClient) -> None:
    async with LoopbackServer(serve_actor) as server:
        document, final_url = await local_client.get_json(
            server.url("/users/bob?x=1"), sign_as=(KEY_ID, rsa_keys()[0])
        )
    assert document["type"] == "Person"
    assert final_url == server.url("/users/bob?x=1")
    [request] = server.requests
    signer = await verify_request(
        request.incoming(), KeyStore(rsa_keys()[1]), require_host=f"127.0.0.1:{server.port}"
    )
    assert (signer.key_id, signer.owner) == (KEY_ID, OWNER)
    assert "accept" in parse_signature_header(dict(request.headers)["Signature"])["headers"]


async def test_unsigned_get_sends_the_as2_accept_and_user_agent(
    local_client: FederationClient,
) -> None:
    async with LoopbackServer(serve_actor) as server:
        await local_client.get_json(server.url("/users/bob"))
    headers = {name.lower(): value for name, value in server.requests[0].headers}
    assert "signature" not in headers
    assert headers["accept"].startswith("application/activity+json")
    assert headers["user-agent"] == "Comptoir-test/0"


async def test_post_activity_signature_verifies(local_client: FederationClient) -> None:
    body = b'{"type":"Follow"}'

    async def accept(request: RecordedRequest) -> Reply:
        return Reply(202)

    async with LoopbackServer(accept) as server:
        result = await local_client.post_activity(
            server.url("/inbox"), body, key_id=KEY_ID, private_key=rsa_keys()[0]
        )
    assert result.status == 202
    [request] = server.requests
    assert request.body == body
    signer = await verify_request(
        request.incoming(), KeyStore(rsa_keys()[1]), require_host=f"127.0.0.1:{server.port}"
    )
    assert signer.owner == OWNER


async def test_post_activity_reports_status_retry_after_and_excerpt(
    local_client: FederationClient,
) -> None:
    async def busy(request: RecordedRequest) -> Reply:
        return Reply(429, b"slow down " * 100, {"Retry-After": "120"})

    async with LoopbackServer(busy) as server:
        result = await local_client.post_activity(
            server.url("/inbox"), b"{}", key_id=KEY_ID, private_key=rsa_keys()[0]
        )
    assert (result.status, result.retry_after) == (429, 120.0)
    assert result.body_excerpt == ("slow down " * 30)[:300]


async def test_post_activity_does_not_raise_for_a_server_error(
    local_client: FederationClient,
) -> None:
    async def broken(request: RecordedRequest) -> Reply:
        return Reply(500, b"oops")

    async with LoopbackServer(broken) as server:
        result = await local_client.post_activity(
            server.url("/inbox"), b"{}", key_id=KEY_ID, private_key=rsa_keys()[0]
        )
    assert (result.status, result.retry_after, result.body_excerpt) == (500, None, "oops")


async def test_connection_refused_raises_fetch_error_without_status(
    local_client: FederationClient,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with pytest.raises(FetchError) as caught:
        await local_client.post_activity(
            f"http://127.0.0.1:{closed_port}/inbox", b"{}", key_id=KEY_ID, private_key=rsa_keys()[0]
        )
    assert caught.value.status is None
    assert not isinstance(caught.value, AddressRefused)


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC).timestamp()
    assert parse_retry_after("30", now=now) == 30.0
    assert parse_retry_after("Sun, 01 Mar 2026 12:01:30 GMT", now=now) == 90.0
    assert parse_retry_after("Sun, 01 Mar 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None) is None


# ----------------------------------------------------------------------------- SSRF guard


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/actor",
        "http://10.0.0.1/actor",
        "http://192.168.1.10/actor",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/actor",
        "http://[fd00::1]/actor",
        "http://100.64.0.1/actor",
        "http://localhost/actor",
    ],
)
async def test_private_addresses_are_refused(
    url: str, strict_client: FederationClient, loopback_only: list[Any]
) -> None:
    with pytest.raises(AddressRefused):
        await strict_client.get_json(url)
    with pytest.raises(AddressRefused):
        await strict_client.post_activity(url, b"{}", key_id=KEY_ID, private_key=rsa_keys()[0])
    assert loopback_only == []


async def test_loopback_server_is_refused_when_loopback_is_not_allowed(
    strict_client: FederationClient,
) -> None:
    async with LoopbackServer(serve_actor) as server:
        with pytest.raises(AddressRefused):
            await strict_client.get_json(server.url("/users/bob"))
    assert server.requests == []


async def test_redirect_to_loopback_is_refused_when_loopback_is_not_allowed() -> None:
    async with LoopbackServer(serve_actor, host="127.0.0.1") as target:

        async def redirect(request: RecordedRequest) -> Reply:
            return Reply(302, headers={"Location": target.url("/users/bob")})

        async with LoopbackServer(redirect, host="127.0.0.2") as first:
            client = FederationClient(
                user_agent="t", allow_http=True, allowed_networks=["127.0.0.2/32"]
            )
            try:
                with pytest.raises(AddressRefused):
                    await client.get_json(first.url("/users/bob"))
            finally:
                await client.aclose()
    assert len(first.requests) == 1
    assert target.requests == []


async def test_http_is_refused_when_not_allowed() -> None:
    client = FederationClient(user_agent="t", allow_loopback=True)
    try:
        async with LoopbackServer(serve_actor) as server:
            with pytest.raises(AddressRefused, match="scheme"):
                await client.get_json(server.url("/users/bob"))
        assert server.requests == []
    finally:
        await client.aclose()


async def test_other_schemes_are_refused(local_client: FederationClient) -> None:
    for url in ("file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/"):
        with pytest.raises(AddressRefused):
            await local_client.get_json(url)


# ------------------------------------------------------------------------------ redirects


async def test_redirects_are_followed_and_the_final_url_returned(
    local_client: FederationClient,
) -> None:
    async def route(request: RecordedRequest) -> Reply:
        if request.target == "/old":
            return Reply(301, headers={"Location": "/new"})
        return json_reply(ACTOR)

    async with LoopbackServer(route) as server:
        document, final_url = await local_client.get_json(server.url("/old"))
    assert document["id"] == "https://remote.example/users/bob"
    assert final_url == server.url("/new")


async def test_signed_get_is_signed_again_for_the_redirect_target(
    local_client: FederationClient,
) -> None:
    async def route(request: RecordedRequest) -> Reply:
        if request.target == "/old":
            return Reply(302, headers={"Location": "/new?page=1"})
        return json_reply(ACTOR)

    async with LoopbackServer(route) as server:
        await local_client.get_json(server.url("/old"), sign_as=(KEY_ID, rsa_keys()[0]))
    second = server.requests[1].incoming()
    assert (second.path, second.query) == ("/new", "page=1")
    assert (await verify_request(second, KeyStore(rsa_keys()[1]))).owner == OWNER


async def test_more_than_three_redirects_fail(local_client: FederationClient) -> None:
    async def loop(request: RecordedRequest) -> Reply:
        return Reply(302, headers={"Location": "/again"})

    async with LoopbackServer(loop) as server:
        with pytest.raises(FetchError, match="more than 3 redirects"):
            await local_client.get_json(server.url("/start"))
    assert len(server.requests) == 4


# ---------------------------------------------------------------------- what is accepted


async def test_declared_body_over_the_cap_is_refused() -> None:
    client = FederationClient(
        user_agent="t", allow_loopback=True, allow_http=True, max_response_bytes=1000
    )

    async def big(request: RecordedRequest) -> Reply:
        return json_reply(b'{"a": "' + b"x" * 5000 + b'"}')

    try:
        async with LoopbackServer(big) as server:
            with pytest.raises(ResponseTooLarge):
                await client.get_json(server.url("/big"))
    finally:
        await client.aclose()


async def test_streamed_body_over_the_cap_is_refused() -> None:
    client = FederationClient(
        user_agent="t", allow_loopback=True, allow_http=True, max_response_bytes=1000
    )

    async def endless(request: RecordedRequest) -> Reply:
        body = b'{"a": "' + b"x" * 50_000 + b'"}'
        return Reply(200, body, {"Content-Type": "application/activity+json"}, close_delimited=True)

    try:
        async with LoopbackServer(endless) as server:
            with pytest.raises(ResponseTooLarge):
                await client.get_json(server.url("/big"))
    finally:
        await client.aclose()


async def test_html_is_refused(local_client: FederationClient) -> None:
    async def html(request: RecordedRequest) -> Reply:
        return Reply(200, b"<html></html>", {"Content-Type": "text/html; charset=utf-8"})

    async with LoopbackServer(html) as server:
        with pytest.raises(BadDocument):
            await local_client.get_json(server.url("/users/bob"))


@pytest.mark.parametrize(
    "content_type",
    [
        "application/activity+json",
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
        "application/json; charset=utf-8",
        "application/jrd+json",
    ],
)
async def test_json_content_types_are_accepted(
    content_type: str, local_client: FederationClient
) -> None:
    async def typed(request: RecordedRequest) -> Reply:
        return json_reply(ACTOR, content_type)

    async with LoopbackServer(typed) as server:
        document, _ = await local_client.get_json(server.url("/users/bob"))
    assert document["type"] == "Person"


async def test_json_that_is_not_an_object_is_refused(local_client: FederationClient) -> None:
    async def array(request: RecordedRequest) -> Reply:
        return json_reply(b"[1, 2]")

    async with LoopbackServer(array) as server:
        with pytest.raises(BadDocument, match="not an object"):
            await local_client.get_json(server.url("/x"))


async def test_invalid_json_is_refused(local_client: FederationClient) -> None:
    async def broken(request: RecordedRequest) -> Reply:
        return json_reply(b"{nope")

    async with LoopbackServer(broken) as server:
        with pytest.raises(BadDocument, match="not valid JSON"):
            await local_client.get_json(server.url("/x"))


@pytest.mark.parametrize("status", [404, 410, 500])
async def test_error_statuses_are_reported_with_their_code(
    status: int, local_client: FederationClient
) -> None:
    async def answer(request: RecordedRequest) -> Reply:
        return Reply(status, b"{}")

    async with LoopbackServer(answer) as server:
        with pytest.raises(FetchError) as caught:
            await local_client.get_json(server.url("/users/gone"))
    assert caught.value.status == status
