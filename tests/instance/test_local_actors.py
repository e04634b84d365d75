"""Our actors' signing keys: loaded once, kept for the most recently used actors only."""

from __future__ import annotations

import pytest

from exchange import members
from instance import actors
from instance.actors import LocalActors
from instance.database import Database
from instance.urls import Urls

URLS = Urls("https://ville.example")
CREDENTIALS = members.prepare_credentials("correct horse battery staple")


def add(db: Database, *names: str) -> None:
    for name in names:
        db.write_sync(lambda s, n=name: members.add_member(s, n, CREDENTIALS))


def test_a_members_key_signs_as_that_member(db: Database) -> None:
    add(db, "alice")
    key = db.read_sync(lambda s: LocalActors(URLS).signing_key(s, URLS.member("alice")))
    assert key.key_id == URLS.key_id(URLS.member("alice"))


def test_the_key_cache_keeps_only_the_most_recently_used_keys(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(actors, "LOCAL_KEY_CACHE_SIZE", 2)
    add(db, "alice", "bruno", "chloe")
    local = LocalActors(URLS)
    for name in ("alice", "bruno", "alice", "chloe"):
        db.read_sync(lambda s, n=name: local.signing_key(s, URLS.member(n)))
    assert local.cached_key(URLS.member("bruno")) is None  # least recently used: dropped
    assert local.cached_key(URLS.member("alice")) is not None
    assert local.cached_key(URLS.member("chloe")) is not None
