"""Threads and replies of a discussion as Mastodon statuses, in one city: a thread is a
local status in the public timeline, a reply posted from an app to it is a reply in the
discussion, and a reply a moderator hid is gone from the thread's context and its id."""

from __future__ import annotations

from exchange import members
from exchange.discussions import SpaceDraft
from models import DiscussionPost, SpaceAudience
from services import discussions

from ..api.conftest import Masto


async def test_a_thread_is_a_status_an_app_replies_to_and_a_hidden_reply_is_gone(
    masto: Masto,
) -> None:
    city = masto.city
    draft = SpaceDraft("bikes", "Bike repair", "", SpaceAudience.members)

    def open_thread(session: object) -> str:
        alice = members.get_member(session, "alice")  # type: ignore[arg-type]
        discussions.open_space(session, city, None, draft)  # type: ignore[arg-type]
        thread = discussions.start_thread(session, city, alice, "bikes", "Tools?", "Bring some")  # type: ignore[arg-type]
        return thread.uri

    thread_uri = masto.db.write_sync(open_thread)
    bob = {"Authorization": f"Bearer {masto.tokens['bob']}"}
    public = (await masto.http.get("/api/v1/timelines/public?local=true")).json()
    [root] = [s for s in public if s["uri"] == thread_uri]
    assert "Tools?" in root["content"] and root["poll"] is None

    posted = await masto.http.post(
        "/api/v1/statuses", data={"status": "A pump", "in_reply_to_id": root["id"]}, headers=bob
    )
    assert posted.status_code == 200, posted.text
    reply = posted.json()
    assert reply["in_reply_to_id"] == root["id"] and reply["account"]["username"] == "bob"
    kept = masto.db.read_sync(lambda s: s.query(DiscussionPost).one())
    assert "A pump" in kept.content and kept.uri == reply["uri"]

    context = (await masto.http.get(f"/api/v1/statuses/{root['id']}/context")).json()
    assert [s["id"] for s in context["descendants"]] == [reply["id"]]

    masto.db.write_sync(lambda s: discussions.hide_post(s, city, None, kept.uri, "spam"))
    context = (await masto.http.get(f"/api/v1/statuses/{root['id']}/context")).json()
    assert context["descendants"] == []
    assert (await masto.http.get(f"/api/v1/statuses/{reply['id']}")).status_code == 404
