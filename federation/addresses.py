"""The SSRF guard: which IP addresses a federation request may connect to, enforced at connect time.

Remote servers choose the URLs we fetch (actor ids, key ids, inboxes, redirects), so any of them
may point at the machine itself or at the private network behind it. ``check_address`` refuses
every address that is not plainly public. ``GuardedBackend`` is an httpcore network backend that
resolves the host itself, checks EVERY address the name resolves to, and then connects to the
checked IP literal; no second resolution happens, so DNS rebinding between check and connect is
impossible. TLS is unaffected: httpcore passes the original host name as SNI (and the Host
header) separately from the address it connects to.

``GuardedResolver`` gives aiohttp (the delivery POSTs) the same resolution: aiohttp connects to
the checked addresses it returns. aiohttp never asks a resolver about an IP literal, so callers
check literal hosts with ``literal_refusal`` before the request.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Iterable, Sequence

import aiohttp
import httpcore

from federation.errors import AddressRefused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")


def _refusal(ip: IPAddress, allow_loopback: bool) -> str | None:
    """Why ``ip`` must not be reached, or None when it is a public unicast address."""
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped
        if mapped is not None:
            inner = _refusal(mapped, allow_loopback)
            return f"IPv4-mapped {inner}" if inner else None
        if ip in _NAT64:
            inner = _refusal(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF), allow_loopback)
            return f"NAT64-embedded {inner}" if inner else None
        if ip in _SIX_TO_FOUR:
            inner = _refusal(ipaddress.IPv4Address((int(ip) >> 80) & 0xFFFFFFFF), allow_loopback)
            return f"6to4-embedded {inner}" if inner else None
        if ip.teredo is not None:
            return "Teredo tunnel"
        if ip.is_site_local:
            return "site-local"
    if ip.is_loopback:
        return None if allow_loopback else "loopback"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return "shared (CGNAT)"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    if not ip.is_global:
        return "non-global"
    return None


def check_address(
    ip: IPAddress,
    *,
    allow_loopback: bool,
    allowed_networks: Sequence[IPNetwork] = (),
) -> None:
    """Raise AddressRefused unless ``ip`` is a public unicast address.

    Refused: private (RFC 1918, fc00::/7), loopback (unless ``allow_loopback``), link-local,
    multicast, reserved, unspecified, documentation/benchmark ranges, CGNAT 100.64/10, site-local,
    Teredo, and IPv6 forms embedding any of those IPv4 addresses (IPv4-mapped, NAT64, 6to4).
    ``allowed_networks`` lists exceptions (like Mastodon's ALLOWED_PRIVATE_ADDRESSES), for a
    deployment that federates with a known peer on its private network, and for tests.
    """
    reason = address_refusal(ip, allow_loopback=allow_loopback, allowed_networks=allowed_networks)
    if reason is not None:
        raise AddressRefused(f"{ip} is a {reason} address")


def address_refusal(
    ip: IPAddress, *, allow_loopback: bool, allowed_networks: Sequence[IPNetwork] = ()
) -> str | None:
    """The reason ``check_address`` would refuse ``ip`` ("private", "loopback", ...), or None."""
    for network in allowed_networks:
        if ip.version == network.version and ip in network:
            return None
    return _refusal(ip, allow_loopback)


def literal_refusal(
    host: str, *, allow_loopback: bool, allowed_networks: Sequence[IPNetwork] = ()
) -> str | None:
    """For a host that is an IP literal, why it must not be reached; None for names and public
    IPs."""
    literal = _literal(host)
    if literal is None:
        return None
    reason = address_refusal(
        literal, allow_loopback=allow_loopback, allowed_networks=allowed_networks
    )
    return None if reason is None else f"{literal}, a {reason} address, is not allowed"


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that only ever connects to checked addresses.

    ``connect_tcp`` resolves ``host`` with the event loop's resolver (within the connect
    timeout), refuses the connection if ANY resolved address fails ``check_address``, then
    connects through the wrapped backend (httpcore's ``AnyIOBackend`` by default) to the IP
    literals, trying each in turn. Unix sockets are refused outright.
    """

    def __init__(
        self,
        inner: httpcore.AsyncNetworkBackend | None = None,
        *,
        allow_loopback: bool = False,
        allowed_networks: Iterable[IPNetwork] = (),
    ) -> None:
        self._inner = inner if inner is not None else httpcore.AnyIOBackend()
        self._allow_loopback = allow_loopback
        self._allowed = tuple(allowed_networks)

    async def resolve(self, host: str, port: int, timeout: float | None) -> list[IPAddress]:
        """All addresses ``host`` resolves to, each checked; raises AddressRefused or
        httpcore.ConnectError / ConnectTimeout."""
        literal = _literal(host)
        if literal is not None:
            addresses = [literal]
        else:
            loop = asyncio.get_running_loop()
            try:
                async with asyncio.timeout(timeout):
                    infos = await loop.getaddrinfo(
                        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
                    )
            except TimeoutError:
                raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
            except OSError as exc:
                raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
            addresses = []
            for info in infos:
                address = ipaddress.ip_address(str(info[4][0]).partition("%")[0])
                if address not in addresses:
                    addresses.append(address)
            if not addresses:
                raise httpcore.ConnectError(f"{host} has no address")
        for address in addresses:
            reason = address_refusal(
                address, allow_loopback=self._allow_loopback, allowed_networks=self._allowed
            )
            if reason is not None:
                where = "" if literal is not None else f"{host} resolves to "
                raise AddressRefused(f"{where}{address}, a {reason} address, is not allowed")
        return addresses

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        deadline = None if timeout is None else time.monotonic() + timeout
        addresses = await self.resolve(host, port, timeout)
        last_error: Exception | None = None
        for address in addresses:
            remaining = None if deadline is None else max(deadline - time.monotonic(), 0.001)
            try:
                return await self._inner.connect_tcp(
                    str(address),
                    port,
                    timeout=remaining,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise AddressRefused("unix sockets are never used for federation")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedResolver(aiohttp.abc.AbstractResolver):
    """aiohttp's resolver, through ``GuardedBackend.resolve``: every address is checked first.

    A refused address raises AddressRefused (aiohttp lets it through unchanged); a name that
    does not resolve raises OSError, which aiohttp reports as a connection error.
    """

    def __init__(self, backend: GuardedBackend, timeout: float | None) -> None:
        self._backend = backend
        self._timeout = timeout

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[aiohttp.abc.ResolveResult]:
        try:
            addresses = await self._backend.resolve(host, port, self._timeout)
        except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
            raise OSError(str(exc)) from exc
        return [
            {
                "hostname": host,
                "host": str(address),
                "port": port,
                "family": socket.AF_INET6 if address.version == 6 else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for address in addresses
        ]

    async def close(self) -> None:
        return None
