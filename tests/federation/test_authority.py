"""One authority parser: every "same server?" comparison reads URLs this way."""

from __future__ import annotations

import pytest

from federation.authority import authority_of, origin_base, split_authority


@pytest.mark.parametrize(
    ("url", "authority"),
    [
        ("https://City.Example/users/a", "city.example"),
        ("https://city.example:443/users/a", "city.example"),
        ("http://city.example:80/users/a", "city.example"),
        ("https://city.example:8443/users/a", "city.example:8443"),
        ("http://city.example:443/users/a", "city.example:443"),
        ("https://city.example:80/users/a", "city.example:80"),
        ("HTTPS://city.example:443/", "city.example"),
        ("https://[::1]:8443/actor", "[::1]:8443"),
        ("https://[::1]:443/actor", "[::1]"),
        ("http://[2001:DB8::1]/actor", "[2001:db8::1]"),
        ("https://someone@city.example/users/a", "city.example"),
        ("https://city.example?q=1", "city.example"),
        ("https://city.example#key", "city.example"),
    ],
)
def test_a_url_names_its_host_with_a_port_only_when_it_is_not_the_default(
    url: str, authority: str
) -> None:
    assert authority_of(url) == authority


@pytest.mark.parametrize(
    ("text", "authority"),
    [
        ("City.Example", "city.example"),
        ("city.example:8443", "city.example:8443"),
        ("city.example:443", "city.example:443"),  # no scheme: no port is a default one
        ("[::1]:8102", "[::1]:8102"),
        ("::1", "::1"),
    ],
)
def test_a_bare_authority_is_only_lower_cased(text: str, authority: str) -> None:
    assert authority_of(text) == authority


def test_what_is_not_a_port_is_kept_as_written_and_matches_no_real_host() -> None:
    assert authority_of("https://city.example:http/a") == "city.example:http"
    assert authority_of("https://city.example:http/a") != authority_of("https://city.example/a")
    assert authority_of("https://city.example:99999/a") == "city.example:99999"


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("city.example", ("city.example", None)),
        ("City.Example:8443", ("city.example", 8443)),
        ("[::1]:80", ("::1", 80)),
        ("[::1]", ("::1", None)),
        ("::1", ("::1", None)),
        ("127.0.0.1:8102", ("127.0.0.1", 8102)),
    ],
)
def test_split_authority_gives_host_and_port(text: str, parts: tuple[str, int | None]) -> None:
    assert split_authority(text) == parts


def test_split_authority_refuses_a_port_that_is_not_one() -> None:
    with pytest.raises(ValueError, match="port must be a number"):
        split_authority("city.example:http")
    with pytest.raises(ValueError, match="between 1 and 65535"):
        split_authority("city.example:70000")


def test_the_origin_base_is_scheme_and_authority_as_written() -> None:
    assert origin_base("https://city.example/listings/1") == "https://city.example"
    assert origin_base("http://127.0.0.1:8102/users/a") == "http://127.0.0.1:8102"
