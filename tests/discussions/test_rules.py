"""The space's rules that need no city: its dates and its state graph."""

from __future__ import annotations

from datetime import timedelta

import pytest

from exchange import discussions
from exchange.errors import DomainError
from models import DiscussionSpace, SpaceAudience, SpaceState, utcnow


def _space(**fields: object) -> DiscussionSpace:
    values: dict[str, object] = {
        "slug": "bikes",
        "title": "Bikes",
        "audience": SpaceAudience.federated,
        "state": SpaceState.open,
        "opens_at": utcnow() - timedelta(days=1),
        "closes_at": None,
        **fields,
    }
    return DiscussionSpace(**values)


def test_a_space_past_its_closing_date_refuses_posts_with_a_clear_message() -> None:
    space = _space(closes_at=utcnow() - timedelta(minutes=1))
    with pytest.raises(DomainError) as refused:
        discussions.check_open(space)
    assert refused.value.code == "discussion_closed" and "stays readable" in refused.value.message


def test_a_space_not_yet_open_refuses_posts() -> None:
    assert not discussions.accepts_posts(_space(opens_at=utcnow() + timedelta(days=1)))


def test_an_archived_space_never_reopens() -> None:
    space = _space(state=SpaceState.archived)
    with pytest.raises(DomainError) as refused:
        discussions.GRAPH.move(space, SpaceState.open)
    assert refused.value.code == "invalid_transition" and space.state is SpaceState.archived
