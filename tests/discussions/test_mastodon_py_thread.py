"""A discussion read and answered from a real Mastodon app (Mastodon.py) between two loopback
cities: bob of city B follows city A's discussion Group and replies to alice's thread; alice
reads the thread in her app as a status (the title and text, the space's poll) with bob's
reply among its descendants, votes in the poll with `poll_vote`, and sees the right tally."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from exchange.polls import PollDraft
from models import DiscussionPost, utcnow
from services import polls as consultations

from ..api.test_mastodon_py_client import _logged_in
from ..e2e.helpers import act, eventually
from .test_federation import _follow_and_reply

pytestmark = pytest.mark.slow


async def test_a_member_reads_a_federated_thread_and_votes_in_its_poll_from_mastodon_py(
    start_city: Any,
) -> None:
    a, b = await start_city(), await start_city()
    _, thread, note = await _follow_and_reply(a, b)
    await eventually(
        lambda: a.db.read(
            lambda s: list(s.scalars(select(DiscussionPost).where(DiscussionPost.uri == note.uri)))
        )
    )
    ballot = PollDraft("Which day?", ["Saturday", "Sunday"], utcnow() + timedelta(days=1))
    await act(a, lambda s: consultations.attach(s, a.city, None, "bikes", ballot))

    def app() -> dict[str, Any]:
        client = _logged_in(a, "alice")
        public = client.timeline_public(local=True)
        root = next(s for s in public if s["uri"] == thread.uri)
        reply = client.status_context(root["id"])["descendants"][0]
        return {
            "public": public,
            "status": client.status(root["id"]),
            "context": client.status_context(root["id"]),
            "above_reply": client.status_context(reply["id"])["ancestors"],
            "voted": client.poll_vote(root["poll"]["id"], [1]),
            "poll": client.poll(root["poll"]["id"]),
        }

    found = await asyncio.to_thread(app)
    status = found["status"]
    assert "Market hall?" in status["content"] and "Saturdays" in status["content"]
    assert status["account"]["username"] == "alice" and status["replies_count"] == 1
    assert [o["title"] for o in status["poll"]["options"]] == ["Saturday", "Sunday"]
    assert status["poll"]["voted"] is False
    [reply] = found["context"]["descendants"]
    assert found["context"]["ancestors"] == []
    assert "Count me in!" in reply["content"]
    assert reply["account"]["acct"] == f"bob@{b.settings.domain}"
    assert reply["in_reply_to_id"] == status["id"]
    assert [s["id"] for s in found["above_reply"]] == [status["id"]]
    assert found["voted"]["own_votes"] == [1]
    assert [o["votes_count"] for o in found["poll"]["options"]] == [0, 1]
    assert found["poll"]["votes_count"] == 1 and found["poll"]["voters_count"] == 1
