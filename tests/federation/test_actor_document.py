"""Reading an actor document: what is kept, and what another host may not claim."""

from __future__ import annotations

from typing import Any

import pytest

from federation.actor_document import parse_actor_document
from federation.errors import FetchError

ALICE = "https://a.example/users/alice"


def document(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": ALICE,
        "type": "Person",
        "preferredUsername": "alice",
        "name": "Alice",
        "summary": "<p>Hello</p>",
        "inbox": f"{ALICE}/inbox",
        "endpoints": {"sharedInbox": "https://a.example/inbox"},
        "followers": f"{ALICE}/followers",
        "url": {"type": "Link", "href": "https://a.example/@alice"},
        "icon": {"type": "Image", "url": "https://media.example/alice.png"},
        "publicKey": {"id": f"{ALICE}#main-key", "owner": ALICE, "publicKeyPem": "PEM"},
    }
    return {**base, **changes}


def test_an_actor_document_is_read_into_its_facts() -> None:
    actor = parse_actor_document(document(currency={"code": "EUR", "scale": 2}))
    assert (actor.uri, actor.domain, actor.type, actor.preferred_username) == (
        ALICE,
        "a.example",
        "Person",
        "alice",
    )
    assert actor.inbox == f"{ALICE}/inbox" and actor.shared_inbox == "https://a.example/inbox"
    assert (actor.key_id, actor.public_key_pem) == (f"{ALICE}#main-key", "PEM")
    assert (
        actor.url == "https://a.example/@alice"
        and actor.icon_url == "https://media.example/alice.png"
    )
    assert actor.summary == "<p>Hello</p>"  # sanitized by whoever stores it
    assert actor.extra == {"currency": {"code": "EUR", "scale": 2}}


def test_the_default_port_written_out_is_the_actors_own_host() -> None:
    actor = parse_actor_document(document(inbox="https://a.example:443/users/alice/inbox"))
    assert actor.inbox == "https://a.example:443/users/alice/inbox"


@pytest.mark.parametrize(
    "changes",
    [
        {"id": None},
        {"type": "Note"},
        {"inbox": "https://b.example/inbox"},
        {"inbox": "https://a.example:8443/inbox"},
        {"publicKey": {"id": "https://b.example/key", "owner": ALICE, "publicKeyPem": "PEM"}},
        {
            "publicKey": {
                "id": f"{ALICE}#k",
                "owner": "https://a.example/users/bob",
                "publicKeyPem": "PEM",
            }
        },
        {"publicKey": []},
    ],
)
def test_an_unusable_actor_document_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(FetchError):
        parse_actor_document(document(**changes))


def test_a_shared_inbox_or_profile_on_another_host_is_dropped() -> None:
    actor = parse_actor_document(
        document(
            endpoints={"sharedInbox": "https://b.example/inbox"}, url="https://b.example/@alice"
        )
    )
    assert actor.shared_inbox is None and actor.url is None


@pytest.mark.parametrize("username", [None, "", "  "])
def test_an_actor_without_preferred_username_is_named_after_its_id(username: Any) -> None:
    changes = {"preferredUsername": username}
    actor = parse_actor_document(document(**changes))
    assert actor.preferred_username == "alice" and actor.uri == ALICE


def test_an_actor_whose_id_has_no_path_is_named_after_its_host() -> None:
    bare = "https://solo.example/"
    actor = parse_actor_document(
        document(
            id=bare,
            preferredUsername=None,
            inbox="https://solo.example/inbox",
            publicKey={"id": bare + "#key", "owner": bare, "publicKeyPem": "PEM"},
        )
    )
    assert actor.preferred_username == "solo.example"


def test_profile_fields_are_the_property_value_attachments() -> None:
    actor = parse_actor_document(
        document(
            attachment=[
                {
                    "type": "PropertyValue",
                    "name": "Site",
                    "value": '<a href="https://x.example">x</a>',
                },
                {"type": "Image", "url": "https://media.example/banner.png"},
                {"type": "PropertyValue", "name": "No value"},
            ]
        )
    )
    assert actor.extra == {
        "fields": [{"name": "Site", "value": '<a href="https://x.example">x</a>'}]
    }
