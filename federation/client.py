"""FederationClient: the only HTTP client the project uses to talk to other servers.

What it guarantees:
- every connection goes through the SSRF guard (``addresses.GuardedBackend`` for GETs,
  ``addresses.GuardedResolver`` for POSTs, and a check of IP-literal hosts for both): no
  request, first hop or redirect, ever reaches a private, loopback (unless allowed) or
  otherwise non-public address;
- only https URLs are fetched (http only when ``allow_http``, a test-only setting);
- redirects are followed by hand, at most 3, each target re-checked and (for signed fetches)
  re-signed for its own host and path;
- response bodies are streamed under a hard byte cap; fetched documents must be JSON objects
  of a JSON content type;
- every call has a total deadline (resolution, connect, headers, body and redirects together):
  per-read timeouts alone let a server that sends a byte every few seconds hold a request and
  a pooled connection for ever. Past it the connection is closed and FetchTimeout is raised;
- GETs are signed when asked (secure-mode servers require it), POSTs always, each signature
  made just before the request is sent.

GETs (actors, keys, objects: few, and cached by the directory) go through httpx, spread over a
small pool of ``httpx.AsyncClient`` by a hash of the host: one big httpx pool costs about twice
the CPU per request of several small ones (perf-limits.md, finding 8).

POSTs (deliveries: the hot path, thousands per published activity) go through one aiohttp
session. On this machine a POST costs about 950 us of client CPU through httpx and about
120 us through aiohttp (same sink, same concurrency; docs/BENCHMARKS.md), which is the
difference between about 500 and well over 800 signed deliveries per second per process.

httpx 0.28's ``AsyncHTTPTransport`` has no ``network_backend`` parameter, so each transport's
``_pool`` is replaced by an ``httpcore.AsyncConnectionPool`` built with the guarded backend.
This touches one private attribute of httpx; ``test_client.py`` proves the guard is in place.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Self

import aiohttp
import httpcore
import httpx
import orjson

from federation.addresses import GuardedBackend, GuardedResolver, IPNetwork, literal_refusal
from federation.errors import (
    AddressRefused,
    BadDocument,
    FetchError,
    FetchTimeout,
    ResponseTooLarge,
)
from federation.httpsig import parse_http_date, sign_headers
from federation.vocab import AS2_ACCEPT

MAX_REDIRECTS = 3
JSON_MEDIA_TYPES = frozenset(
    {"application/activity+json", "application/ld+json", "application/json", "application/jrd+json"}
)
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
#: How much of a POST answer is read (then the connection can be reused) and how much is kept.
_POST_READ_LIMIT = 65_536
_EXCERPT_BYTES = 300


@dataclass(frozen=True, slots=True)
class PostResult:
    """What a remote inbox answered: the status, its Retry-After in seconds (if it sent one)
    and the start of its body (for the delivery log)."""

    status: int
    retry_after: float | None
    body_excerpt: str


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delay-seconds or an HTTP date; None if absent
    or unreadable. A date in the past gives 0."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    when = parse_http_date(text)
    if when is None:
        return None
    return max(0.0, when - (time.time() if now is None else now))


class FederationClient:
    """Signed, SSRF-guarded, size-capped HTTP for federation. Create one per process; close it
    with ``aclose()``."""

    def __init__(
        self,
        *,
        user_agent: str,
        allow_loopback: bool = False,
        allow_http: bool = False,
        timeout: float = 10.0,
        connect_timeout: float = 5.0,
        deadline: float = 20.0,
        max_response_bytes: int = 1_000_000,
        pool_clients: int = 8,
        max_connections_per_client: int = 8,
        max_post_connections_per_host: int = 8,
        allowed_networks: Iterable[str | IPNetwork] = (),
    ) -> None:
        """``allow_loopback`` and ``allow_http`` are for instances whose own domain is a loopback
        address (tests, local development) and nothing else. ``allowed_networks`` are private
        networks to allow anyway (Mastodon's ALLOWED_PRIVATE_ADDRESSES). ``timeout`` bounds each
        read, ``deadline`` a whole call (seconds)."""
        if pool_clients < 1:
            raise ValueError("pool_clients must be at least 1")
        if deadline <= 0:
            raise ValueError("deadline must be positive")
        self._deadline = deadline
        self._user_agent = user_agent
        self._allow_http = allow_http
        self._allow_loopback = allow_loopback
        self._timeout = httpx.Timeout(timeout, connect=connect_timeout)
        # no total here: the deadline bounds the whole call, so it alone says FetchTimeout
        self._post_timeout = aiohttp.ClientTimeout(
            connect=connect_timeout, sock_connect=connect_timeout, sock_read=timeout
        )
        self._connect_timeout = connect_timeout
        self._post_connections = max_post_connections_per_host
        self._max_bytes = max_response_bytes
        self._connections = max_connections_per_client
        networks = tuple(
            ipaddress.ip_network(n) if isinstance(n, str) else n for n in allowed_networks
        )
        self._networks = networks
        self._backend = GuardedBackend(allow_loopback=allow_loopback, allowed_networks=networks)
        self._clients: list[httpx.AsyncClient | None] = [None] * pool_clients
        self._poster: aiohttp.ClientSession | None = None
        self._ssl_context: Any = None

    # ----------------------------------------------------------------------------- plumbing

    def warm(self) -> None:
        """Build the TLS context now (loading the CA bundle costs 50-150 ms of CPU), so that
        the first delivery or fetch of a new process does not pay it."""
        if self._ssl_context is None:
            self._ssl_context = httpx.create_ssl_context()

    def _build_client(self) -> httpx.AsyncClient:
        if self._ssl_context is None:
            self._ssl_context = httpx.create_ssl_context()
        transport = httpx.AsyncHTTPTransport(verify=self._ssl_context, trust_env=False)
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=self._ssl_context,
            max_connections=self._connections,
            max_keepalive_connections=self._connections,
            keepalive_expiry=5.0,
            network_backend=self._backend,
        )
        return httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            timeout=self._timeout,
            headers={"User-Agent": self._user_agent},
            trust_env=False,
        )

    def _post_session(self) -> aiohttp.ClientSession:
        """The delivery session, made on first use (inside the running event loop)."""
        if self._poster is None:
            if self._ssl_context is None:
                self._ssl_context = httpx.create_ssl_context()
            connector = aiohttp.TCPConnector(
                resolver=GuardedResolver(self._backend, self._connect_timeout),
                limit=0,  # the worker's concurrency bounds the total
                limit_per_host=self._post_connections,
                keepalive_timeout=5.0,
                ssl=self._ssl_context,
            )
            self._poster = aiohttp.ClientSession(
                connector=connector,
                timeout=self._post_timeout,
                headers={"User-Agent": self._user_agent},
                auto_decompress=False,
                trust_env=False,
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._poster

    def _client_for(self, url: httpx.URL) -> httpx.AsyncClient:
        """The pooled client for this URL's server (host and port: one server, one client)."""
        index = zlib.crc32(f"{url.host}:{url.port}".encode()) % len(self._clients)
        client = self._clients[index]
        if client is None:
            client = self._clients[index] = self._build_client()
        return client

    def _checked_url(self, url: str | httpx.URL) -> httpx.URL:
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise FetchError(f"invalid URL {str(url)!r}: {exc}") from None
        if parsed.scheme != "https" and not (parsed.scheme == "http" and self._allow_http):
            raise AddressRefused(f"scheme {parsed.scheme or '(none)'!r} is not allowed: {url}")
        if not parsed.host:
            raise FetchError(f"URL has no host: {url}")
        refusal = literal_refusal(
            parsed.host, allow_loopback=self._allow_loopback, allowed_networks=self._networks
        )
        if refusal is not None:
            raise AddressRefused(refusal)
        return parsed

    async def _read_capped(self, response: httpx.Response, url: httpx.URL) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise ResponseTooLarge(
                f"{url} declares {declared} bytes (cap {self._max_bytes})",
                status=response.status_code,
            )
        chunks: list[bytes] = []
        total = 0
        async for chunk in response.aiter_bytes():
            total += len(chunk)
            if total > self._max_bytes:
                raise ResponseTooLarge(
                    f"{url} sent more than {self._max_bytes} bytes", status=response.status_code
                )
            chunks.append(chunk)
        return b"".join(chunks)

    # ----------------------------------------------------------------------------- requests

    async def get_json(
        self,
        url: str,
        *,
        sign_as: tuple[str, Any] | None = None,
        accept: str = AS2_ACCEPT,
    ) -> tuple[dict[str, Any], str]:
        """Fetch a JSON object; return it with the URL it was finally served from.

        ``sign_as=(key_id, private_key)`` signs the GET (draft-cavage). Raises AddressRefused,
        ResponseTooLarge, BadDocument, or FetchError (``.status`` set for a non-2xx answer, so
        404 and 410 can be told apart; unset for connection-level failures).
        """
        body, _, final_url = await self.get_document(url, sign_as=sign_as, accept=accept)
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise BadDocument(f"{final_url} is not valid JSON") from None
        if not isinstance(document, dict):
            raise BadDocument(f"{final_url} is JSON but not an object")
        return document, final_url

    async def get_document(
        self,
        url: str,
        *,
        sign_as: tuple[str, Any] | None = None,
        accept: str = AS2_ACCEPT,
        media_types: frozenset[str] = JSON_MEDIA_TYPES,
    ) -> tuple[bytes, str, str]:
        """Fetch a document of one of ``media_types``: its bytes (capped), its media type, and
        the URL it was finally served from. Redirects, signing and errors as ``get_json``;
        FetchTimeout when the whole fetch, redirects included, passes the deadline."""
        deadline = asyncio.timeout(self._deadline)
        try:
            async with deadline:
                return await self._get_document(url, sign_as, accept, media_types)
        except TimeoutError:
            if not deadline.expired():
                raise
            raise FetchTimeout(f"GET {url} passed its {self._deadline:g} s deadline") from None

    async def _get_document(
        self,
        url: str,
        sign_as: tuple[str, Any] | None,
        accept: str,
        media_types: frozenset[str],
    ) -> tuple[bytes, str, str]:
        current = self._checked_url(url)
        for hop in range(MAX_REDIRECTS + 1):
            if sign_as is not None:
                headers = sign_headers(
                    "GET", str(current), key_id=sign_as[0], private_key=sign_as[1], accept=accept
                )
            else:
                headers = {"Accept": accept}
            try:
                async with self._client_for(current).stream(
                    "GET", current, headers=headers
                ) as response:
                    status = response.status_code
                    if status in _REDIRECT_STATUSES:
                        location = response.headers.get("location")
                        if not location:
                            raise FetchError(
                                f"{current} redirects without a Location", status=status
                            )
                        if hop == MAX_REDIRECTS:
                            raise FetchError(
                                f"more than {MAX_REDIRECTS} redirects from {url}", status=status
                            )
                        current = self._checked_url(current.join(location))
                        continue
                    if not 200 <= status < 300:
                        raise FetchError(f"GET {current} answered {status}", status=status)
                    media_type = (
                        response.headers.get("content-type", "").partition(";")[0].strip().lower()
                    )
                    if media_type not in media_types:
                        wanted = (
                            "JSON"
                            if media_types == JSON_MEDIA_TYPES
                            else " or ".join(sorted(media_types))
                        )
                        raise BadDocument(
                            f"{current} is {media_type or 'untyped'}, not {wanted}", status=status
                        )
                    body = await self._read_capped(response, current)
            except httpx.TransportError as exc:
                raise FetchError(f"GET {current} failed: {type(exc).__name__}: {exc}") from exc
            return body, media_type, str(current)
        raise AssertionError("unreachable")  # the loop returns or raises

    async def post_activity(
        self, url: str, body: bytes, *, key_id: str, private_key: Any
    ) -> PostResult:
        """POST an activity, signed just before sending. Never raises for an HTTP status;
        raises AddressRefused, or FetchError for connection-level failures (timeouts, refused
        connections; FetchTimeout past the deadline), so the delivery worker can classify what
        to retry."""
        target = self._checked_url(url)
        headers = sign_headers(
            "POST", str(target), key_id=key_id, private_key=private_key, body=body
        )
        return await self._post_in_time(target, body, headers)

    async def post_unsigned(self, url: str, body: bytes, headers: dict[str, str]) -> PostResult:
        """POST bytes with the caller's headers and no HTTP signature (a Web Push message,
        which carries its own VAPID authorization): the same guard, deadline and answer as
        `post_activity`."""
        return await self._post_in_time(self._checked_url(url), body, headers)

    async def _post_in_time(
        self, target: httpx.URL, body: bytes, headers: dict[str, str]
    ) -> PostResult:
        deadline = asyncio.timeout(self._deadline)
        try:
            async with deadline:
                return await self._post(target, body, headers)
        except TimeoutError:
            if not deadline.expired():
                raise
            raise FetchTimeout(f"POST {target} passed its {self._deadline:g} s deadline") from None

    async def _post(self, target: httpx.URL, body: bytes, headers: dict[str, str]) -> PostResult:
        try:
            async with self._post_session().post(
                str(target), data=body, headers=headers, allow_redirects=False
            ) as response:
                received = bytearray()
                while len(received) < _POST_READ_LIMIT:
                    chunk = await response.content.read(_POST_READ_LIMIT - len(received))
                    if not chunk:
                        break
                    received += chunk
                status, retry_after = response.status, response.headers.get("Retry-After")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise FetchError(f"POST {target} failed: {type(exc).__name__}: {exc}") from exc
        return PostResult(
            status=status,
            retry_after=parse_retry_after(retry_after),
            body_excerpt=bytes(received[:_EXCERPT_BYTES]).decode("utf-8", "replace"),
        )

    async def aclose(self) -> None:
        poster, self._poster = self._poster, None
        if poster is not None:
            await poster.close()
        clients, self._clients = self._clients, [None] * len(self._clients)
        for client in clients:
            if client is not None:
                await client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
