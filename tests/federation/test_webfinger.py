"""WebFinger client helpers."""

from __future__ import annotations

import pytest

from federation.webfinger import actor_url_from_jrd, parse_handle, webfinger_url


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@alice@city.example", ("alice", "city.example")),
        ("alice@City.Example", ("alice", "city.example")),
        ("acct:alice@city.example", ("alice", "city.example")),
        ("  @bob@127.0.0.1:8080 ", ("bob", "127.0.0.1:8080")),
        ("carol@[::1]:8443", ("carol", "[::1]:8443")),
    ],
)
def test_handles_are_parsed(text: str, expected: tuple[str, str]) -> None:
    assert parse_handle(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "alice",
        "@alice",
        "alice@",
        "a@b@c",
        "https://city.example/users/a",
        "al ice@city.example",
        "alice@city.example/x",
    ],
)
def test_non_handles_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_handle(text)


def test_webfinger_url_escapes_the_resource() -> None:
    assert webfinger_url("city.example", "acct:alice@city.example") == (
        "https://city.example/.well-known/webfinger?resource=acct:alice@city.example"
    )
    assert webfinger_url("127.0.0.1:8080", "acct:a b@x", scheme="http").endswith(
        "?resource=acct:a%20b@x"
    )


def test_actor_url_is_the_self_link_with_an_as2_type() -> None:
    jrd = {
        "subject": "acct:alice@city.example",
        "links": [
            {
                "rel": "http://webfinger.net/rel/profile-page",
                "type": "text/html",
                "href": "https://city.example/@alice",
            },
            {"rel": "self", "type": "text/html", "href": "https://city.example/wrong"},
            {
                "rel": "self",
                "type": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
                "href": "https://city.example/users/alice",
            },
        ],
    }
    assert actor_url_from_jrd(jrd) == "https://city.example/users/alice"


def test_jrd_without_an_actor_link_gives_none() -> None:
    assert (
        actor_url_from_jrd({"links": [{"rel": "self", "type": "text/html", "href": "x"}]}) is None
    )
    assert actor_url_from_jrd({}) is None
