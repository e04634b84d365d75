"""One name, one actor: WebFinger's acct:{name} is a member or a discussion's Group, never
both."""

from __future__ import annotations

import pytest

from exchange import discussions, members
from exchange.discussions import SpaceDraft
from exchange.errors import DomainError
from instance.database import Database
from models import SpaceAudience

KEYS = ("private", "public")  # the rules never read the key pair


def test_a_resident_cannot_register_under_a_discussions_name(db: Database) -> None:
    draft = SpaceDraft("bikes", "Bikes", "", SpaceAudience.federated)
    db.write_sync(lambda s: discussions.open_space(s, None, draft, KEYS))
    credentials = members.prepare_credentials("correct horse battery")
    with pytest.raises(DomainError) as refused:
        db.write_sync(lambda s: members.register(s, "open", "Bikes", credentials))
    assert refused.value.code == "username_taken"


def test_a_space_cannot_take_a_members_name(db: Database) -> None:
    credentials = members.prepare_credentials("correct horse battery")
    db.write_sync(lambda s: members.add_member(s, "alice", credentials))
    draft = SpaceDraft("alice", "Alice's", "", SpaceAudience.members)
    with pytest.raises(DomainError) as refused:
        db.write_sync(lambda s: discussions.open_space(s, None, draft, KEYS))
    assert refused.value.code == "slug_taken"
