"""A consultation through the Mastodon client API: a Mastodon app reads the poll as a Poll
entity (counts hidden until the caller voted) and votes once with `choices[]`."""

from __future__ import annotations

from datetime import timedelta

from exchange.discussions import SpaceDraft
from exchange.polls import PollDraft
from models import Poll, SpaceAudience, utcnow
from services import discussions
from services import polls as consultations

from ..api.conftest import Masto


async def test_a_mastodon_app_reads_and_answers_a_poll(masto: Masto) -> None:
    city = masto.city
    draft = SpaceDraft("bikes", "Bike repair", "", SpaceAudience.members)
    ballot = PollDraft("Where?", ["Market hall", "Station"], utcnow() + timedelta(days=1))

    def attach(session: object) -> Poll:
        discussions.open_space(session, city, None, draft)  # type: ignore[arg-type]
        return consultations.attach(session, city, None, "bikes", ballot)  # type: ignore[arg-type]

    poll = masto.db.write_sync(attach)
    alice = {"Authorization": f"Bearer {masto.tokens['alice']}"}
    path = f"/api/v1/polls/{poll.public_id}"

    before = (await masto.http.get(path, headers=alice)).json()
    assert [o["title"] for o in before["options"]] == ["Market hall", "Station"]
    assert before["voted"] is False and before["options"][0]["votes_count"] is None

    voted = await masto.http.post(f"{path}/votes", data={"choices[]": "1"}, headers=alice)
    assert voted.status_code == 200
    assert voted.json()["own_votes"] == [1] and voted.json()["votes_count"] == 1
    assert [o["votes_count"] for o in voted.json()["options"]] == [0, 1]

    again = await masto.http.post(f"{path}/votes", json={"choices": [0]}, headers=alice)
    assert again.status_code == 409 and "already voted" in again.json()["error"]
    missing = await masto.http.get("/api/v1/polls/nope", headers=alice)
    assert missing.status_code == 404
