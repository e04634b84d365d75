"""Reports name discussion threads and replies as they name notes and listings; acting on one
hides it through the discussions' own moderation (logged, announced by the Group)."""

from __future__ import annotations

from sqlalchemy import select

from exchange import reports
from exchange.discussions import SpaceDraft
from models import DiscussionPost, ModerationEntry, SpaceAudience
from services import discussions, moderation

from ..policy.conftest import TestCity


def test_a_reported_reply_is_hidden_by_the_moderator_acting_on_the_report(
    town: TestCity,
) -> None:
    city, db = town.city, town.db
    alice, bob, mod = town.get("alice"), town.get("bob"), town.get("mod")
    draft = SpaceDraft("bikes", "Bikes", "", SpaceAudience.federated)
    db.write_sync(lambda s: discussions.open_space(s, city, None, draft))
    thread = db.write_sync(lambda s: discussions.start_thread(s, city, alice, "bikes", "Hi", "?"))
    post = db.write_sync(lambda s: discussions.reply(s, city, bob, thread.public_id, "rude"))

    report = db.write_sync(lambda s: moderation.file_report(s, city, alice, post.uri, "rude"))
    assert report.account_uri == city.urls.member("bob") and report.object_uris == [post.uri]
    db.write_sync(
        lambda s: moderation.act(
            s, city, reports.get_report(s, report.public_id), "hide", mod, reason="rude"
        )
    )

    assert db.read_sync(lambda s: s.scalar(select(DiscussionPost.hidden)))
    logged = db.read_sync(
        lambda s: s.scalar(
            select(ModerationEntry.target).where(ModerationEntry.action == "discussion.hide")
        )
    )
    assert logged == post.uri
