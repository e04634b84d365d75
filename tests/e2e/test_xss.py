"""Nothing executable reaches a page or a federated document, whoever wrote it.

City B is the remote side: bob's name and summary, a listing bob publishes, and a Note bob's
server hand-crafts (signed by bob) all carry script tags, event handlers and `javascript:` /
`data:` URLs. City A is where they are shown, next to alice's own listing and note carrying
the same. The checks read the real pages (web routes) and the JSON documents A serves.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from exchange import members
from models import Note
from services import social

from .helpers import AS2, act, add_member, eventually
from .market import Resident, follow_market, remote_listing
from .test_inbox_security import Remote, post, signed

SCRIPT = '<script>alert("x")</script>'
HANDLER = '<img src="x" onerror="alert(1)"><b onmouseover="alert(2)">b</b>'
LINKS = (
    '<a href="javascript:alert(3)">j</a> <a href=" JaVaScRiPt:alert(4)">k</a> '
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==">d</a>'
)
PAYLOAD = f"{SCRIPT} {HANDLER} {LINKS} javascript:alert(6)"
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "srcset", "data"})
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")


class Executable(HTMLParser):
    """Collects whatever in a piece of HTML would run: script elements, event handler
    attributes, and script or data URLs in attributes that load or navigate."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.found: list[str] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            squeezed = "".join((value or "").split()).lower()
            if name in URL_ATTRIBUTES and squeezed.startswith(BAD_SCHEMES):
                self.found.append(f"<{tag} {name}={value}>")


def assert_inert(markup: str, where: str) -> None:
    assert Executable(markup).found == [], f"executable markup in {where}"


def assert_document_inert(document: Any, where: str) -> None:
    """Every string of a JSON document, read as HTML (as a receiving server may), except the
    `content` of an object that declares it `text/plain` (a listing's `source`: what its author
    typed, for editing, which no server renders as HTML)."""
    if isinstance(document, dict):
        plain = document.get("mediaType") == "text/plain"
        for key, value in document.items():
            if not (plain and key == "content"):
                assert_document_inert(value, f"{where}.{key}")
    elif isinstance(document, list):
        for item in document:
            assert_document_inert(item, where)
    elif isinstance(document, str):
        assert_inert(document, where)
        assert not "".join(document.split()).lower().startswith(BAD_SCHEMES), where


@pytest.fixture
async def cities(start_city: Any) -> dict[str, Any]:
    """A shows what B sends (bob, his listing, his hand-crafted Note); alice writes the same."""
    a = await start_city(moderation={"listing_review": "after"})
    b = await start_city(currency={"code": "BRQ"}, moderation={"listing_review": "after"})
    add_member(b, "bob", display_name=PAYLOAD[:100], summary=PAYLOAD)
    bob_api = Resident(b, "bobby")
    alice = Resident(a, "alice")
    a.db.write_sync(lambda s: _set_profile(s, "alice"))
    await follow_market(alice, b)

    bob = await a.city.fediverse.directory.lookup(f"@bob@{b.settings.domain}")
    await act(a, lambda s: social.follow(s, a.city, alice.uri, bob))
    remote = await bob_listing(b, a, alice, bob_api)
    local = await alice.ok(
        "post",
        "/listings",
        {"purpose": "offer", "title": PAYLOAD[:200], "description": PAYLOAD, "price": "1.00"},
    )
    member = a.db.read_sync(lambda s: members.get_member(s, "alice"))
    note = await act(a, lambda s: social.post_note(s, a.city, member, PAYLOAD))
    hostile = await hostile_note(a, b)
    return {
        "a": a,
        "b": b,
        "alice": alice,
        "remote_listing": remote,
        "local_listing": local,
        "local_note": note,
        "hostile_note": hostile,
    }


def _set_profile(session: Any, name: str) -> None:
    member = members.get_member(session, name)
    member.display_name = PAYLOAD[:100]
    member.summary = PAYLOAD


async def bob_listing(b: Any, a: Any, alice: Resident, bob_api: Resident) -> dict[str, Any]:
    listing = await bob_api.ok(
        "post",
        "/listings",
        {"purpose": "offer", "title": PAYLOAD[:200], "description": PAYLOAD, "price": "1.00"},
    )
    arrived: dict[str, Any] = await eventually(lambda: remote_listing(a, alice, listing["uri"]))
    return arrived


async def hostile_note(a: Any, b: Any) -> str:
    """A Note written as a hostile server would: script in the content, script URLs."""
    remote = Remote(b)
    note_id = f"{remote.actor}/notes/hostile"
    alice = a.city.urls.member("alice")
    body = orjson.dumps(
        remote.activity(
            type="Create",
            object={
                "id": note_id,
                "type": "Note",
                "attributedTo": remote.actor,
                "content": PAYLOAD,
                "url": "javascript:alert(7)",
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
                "cc": [alice],
                "published": "2026-01-01T00:00:00Z",
                "attachment": [
                    {"type": "Document", "mediaType": "image/png", "url": "javascript:alert(8)"}
                ],
                "tag": [{"type": "Mention", "href": "javascript:alert(9)", "name": "@x"}],
            },
        )
    )
    answer = await post(a, body, signed(a, remote, body))
    assert answer.status_code == 202, answer.text
    await eventually(
        lambda: a.db.read(lambda s: s.scalar(select(Note.id).where(Note.uri == note_id)))
    )
    return note_id


async def page(city: Any, path: str) -> str:
    answer = await city.http.get(path)
    assert answer.status_code == 200, (path, answer.status_code)
    text: str = answer.text
    return text


async def test_pages_of_remote_notes_actors_and_listings_hold_nothing_executable(
    cities: dict[str, Any],
) -> None:
    a = cities["a"]
    for path in ("/timeline", "/listings", f"/listings/{cities['remote_listing']['id']}"):
        markup = await page(a, path)
        assert "alert(" in markup, f"the payload should be shown, inert, on {path}"
        assert_inert(markup, path)


async def test_pages_of_local_notes_listings_and_profiles_hold_nothing_executable(
    cities: dict[str, Any],
) -> None:
    a = cities["a"]
    note_path = cities["local_note"].uri.removeprefix(a.url)
    for path in ("/@alice", note_path, f"/listings/{cities['local_listing']['id']}", "/listings"):
        markup = await page(a, path)
        assert "alert(" in markup, f"the payload should be shown, inert, on {path}"
        assert_inert(markup, path)


async def test_documents_we_serve_hold_nothing_executable(cities: dict[str, Any]) -> None:
    a = cities["a"]
    alice = a.city.urls.member("alice")
    for uri in (alice, cities["local_note"].uri, cities["local_listing"]["uri"]):
        answer = await a.http.get(uri, headers=AS2)
        assert answer.status_code == 200, uri
        assert "alert(" in answer.text
        assert_document_inert(answer.json(), uri)


async def test_documents_city_b_serves_of_a_hostile_member_hold_nothing_executable(
    cities: dict[str, Any],
) -> None:
    b = cities["b"]
    answer = await b.http.get(b.city.urls.member("bob"), headers=AS2)
    assert answer.status_code == 200
    assert_document_inert(answer.json(), "bob's actor")
