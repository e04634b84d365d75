"""The authorship check of inbound objects, and what "same origin" means."""

from __future__ import annotations

from federation.authorship import authored_by, same_origin

ALICE = "https://a.example/users/alice"


def note(object_id: object, author: object = ALICE) -> dict[str, object]:
    return {"type": "Note", "id": object_id, "attributedTo": author}


def test_same_host_is_same_origin_whatever_the_path() -> None:
    assert same_origin("https://a.example/notes/1", ALICE)


def test_the_default_port_written_out_is_the_same_origin() -> None:
    assert same_origin("https://a.example:443/notes/1", ALICE)
    assert same_origin("https://A.EXAMPLE/notes/1", ALICE)


def test_the_same_host_on_another_port_is_another_origin() -> None:
    assert not same_origin("https://a.example:8443/notes/1", ALICE)
    assert not same_origin("http://a.example:443/notes/1", ALICE)


def test_a_subdomain_is_another_origin() -> None:
    assert not same_origin("https://evil.a.example/notes/1", ALICE)
    assert not same_origin("https://a.example.evil/notes/1", ALICE)


def test_what_is_not_a_url_is_of_no_origin() -> None:
    assert not same_origin(None, ALICE)
    assert not same_origin("", "")
    assert not same_origin(3, ALICE)


def test_an_object_is_authored_by_the_sender_on_its_own_host() -> None:
    assert authored_by(note("https://a.example/notes/1"), ALICE)
    assert authored_by(note("https://a.example/notes/1", {"id": ALICE, "type": "Person"}), ALICE)


def test_an_object_attributed_to_someone_else_is_not_the_senders() -> None:
    assert not authored_by(note("https://a.example/notes/1", "https://a.example/users/bob"), ALICE)
    assert not authored_by(note("https://a.example/notes/1", None), ALICE)


def test_an_object_whose_id_is_on_another_host_is_not_the_senders() -> None:
    assert not authored_by(note("https://b.example/notes/1"), ALICE)
    assert not authored_by(note("https://a.example:8443/notes/1"), ALICE)
    assert not authored_by(note(None), ALICE)


def test_only_an_object_can_be_authored() -> None:
    assert not authored_by("https://a.example/notes/1", ALICE)
    assert not authored_by(None, ALICE)
