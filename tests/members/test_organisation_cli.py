"""`comptoir users organisation NAME` and `comptoir users organisation-requests`, as staff
run them: the command line answers the same requests the web and the API take."""

from __future__ import annotations

from pathlib import Path

import pytest

from exchange import members
from exchange import organisations as rules
from instance.database import Database

from ..cli import comptoir
from ..conftest import write_config
from ..ledger.conftest import Book


@pytest.fixture
def config(tmp_path: Path, db: Database) -> Path:
    return write_config(tmp_path / "city", domain="127.0.0.1:8003", database_url=db.url)


@pytest.fixture
def book(db: Database) -> Book:
    return Book(db)


def ask(book: Book, name: str) -> str:
    book.member(name)
    return book.db.write_sync(
        lambda s: (
            rules.ask(
                s, members.get_member(s, name), "association", "Free courses\nfor all", ""
            ).public_id
        )
    )


def test_staff_list_the_waiting_requests(config: Path, book: Book) -> None:
    request_id = ask(book, "atelier")
    listed = comptoir(config, "users", "organisation-requests")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split("\t")[:4] == [request_id, "@atelier", "requested", "association"]
    assert "Free courses for all" in listed.stdout


def test_recognising_a_member_approves_their_open_request(config: Path, book: Book) -> None:
    request_id = ask(book, "atelier")
    done = comptoir(config, "users", "organisation", "atelier")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "@atelier is an organisation (AS2 Organization)"
    state = book.db.read_sync(lambda s: rules.get(s, request_id).state.value)
    assert state == "approved"
    assert comptoir(config, "users", "organisation-requests").stdout == ""
    assert "approved" in comptoir(config, "users", "organisation-requests", "--all").stdout


def test_undoing_revokes_the_approved_request(config: Path, book: Book) -> None:
    request_id = ask(book, "atelier")
    comptoir(config, "users", "organisation", "atelier")
    undone = comptoir(config, "users", "organisation", "atelier", "--undo", "--reason", "gone")
    assert undone.returncode == 0, undone.stderr
    row = book.db.read_sync(lambda s: rules.get(s, request_id))
    assert (row.state.value, row.reason) == ("revoked", "gone")


def test_undoing_a_persons_account_is_refused(config: Path, book: Book) -> None:
    book.member("ana")
    refused = comptoir(config, "users", "organisation", "ana", "--undo")
    assert refused.returncode != 0
    assert "not an organisation" in refused.stderr


def test_an_unknown_member_is_refused(config: Path, book: Book) -> None:
    refused = comptoir(config, "users", "organisation", "nobody")
    assert refused.returncode != 0 and "not found" in refused.stderr
