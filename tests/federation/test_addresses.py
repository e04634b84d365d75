"""The SSRF guard: which addresses may be reached, and the guarded network backend."""

from __future__ import annotations

import ipaddress

import pytest

from federation.addresses import GuardedBackend, check_address
from federation.errors import AddressRefused

REFUSED = [
    "127.0.0.1",
    "127.10.0.3",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.1",
    "198.18.0.1",
    "::1",
    "::",
    "fd00::1",
    "fc00::1",
    "fe80::1",
    "fec0::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "64:ff9b::a00:1",
    "2002:c0a8:101::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "2001:db8::1",
]


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_address_is_refused(address: str) -> None:
    with pytest.raises(AddressRefused):
        check_address(ipaddress.ip_address(address), allow_loopback=False)


@pytest.mark.parametrize(
    "address",
    ["93.184.216.34", "1.1.1.1", "2606:2800:220:1:248:1893:25c8:1946", "64:ff9b::5db8:d822"],
)
def test_public_address_is_allowed(address: str) -> None:
    check_address(ipaddress.ip_address(address), allow_loopback=False)


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_loopback_is_allowed_only_when_asked(address: str) -> None:
    check_address(ipaddress.ip_address(address), allow_loopback=True)


def test_loopback_permission_does_not_open_private_networks() -> None:
    with pytest.raises(AddressRefused):
        check_address(ipaddress.ip_address("10.0.0.1"), allow_loopback=True)


def test_allowed_network_lets_a_private_address_through() -> None:
    network = ipaddress.ip_network("10.20.0.0/16")
    check_address(
        ipaddress.ip_address("10.20.1.1"), allow_loopback=False, allowed_networks=[network]
    )


def test_refusal_names_the_kind_of_address() -> None:
    with pytest.raises(AddressRefused, match="10.0.0.1 is a private address"):
        check_address(ipaddress.ip_address("10.0.0.1"), allow_loopback=False)


async def test_backend_refuses_an_ip_literal_before_connecting() -> None:
    with pytest.raises(AddressRefused):
        await GuardedBackend().connect_tcp("10.0.0.1", 443, timeout=1.0)


async def test_backend_refuses_a_name_resolving_to_loopback() -> None:
    with pytest.raises(AddressRefused, match="localhost resolves to"):
        await GuardedBackend().connect_tcp("localhost", 443, timeout=1.0)


async def test_backend_refuses_unix_sockets() -> None:
    with pytest.raises(AddressRefused):
        await GuardedBackend(allow_loopback=True).connect_unix_socket("/tmp/x.sock")
