"""The city's announcements from apps, in process: the Announcement's shape, which are shown
(published, not ended, not dismissed unless asked), dismissing, reactions with their counts
and `me`, 404s in Mastodon's shape and the scopes each endpoint asks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from exchange import announcements
from models import utcnow

from .mastodon_city import Masto

#: the Announcement entity's fields in Mastodon 4.3 (docs.joinmastodon.org/entities/Announcement)
ANNOUNCEMENT_FIELDS = {
    "id",
    "content",
    "starts_at",
    "ends_at",
    "all_day",
    "published_at",
    "updated_at",
    "read",
    "mentions",
    "statuses",
    "tags",
    "emojis",
    "reactions",
}


def announced(masto: Masto, text: str, *, publish: bool = True, **dates: Any) -> str:
    """An announcement written by the command line (no staff member), published unless told."""

    def work(session: Any) -> int:
        row = announcements.add(session, text, None, **dates)
        if publish:
            announcements.publish(session, row, None)
        return row.id

    return str(masto.db.write_sync(work))


async def put(masto: Masto, path: str, as_: str) -> httpx.Response:
    return await masto.http.put(path, headers=masto.auth(as_))


async def delete(masto: Masto, path: str, as_: str) -> httpx.Response:
    return await masto.http.delete(path, headers=masto.auth(as_))


async def listed(masto: Masto, as_: str = "alice", **params: Any) -> list[dict[str, Any]]:
    answer = await masto.get("/api/v1/announcements", as_, **params)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


async def test_a_published_announcement_has_every_field_of_mastodons(masto: Masto) -> None:
    number = announced(masto, "The market is closed on Monday.\nSee https://city.example/x")
    (shown,) = await listed(masto)
    assert set(shown) == ANNOUNCEMENT_FIELDS
    assert shown["id"] == number and shown["read"] is False and shown["all_day"] is False
    assert shown["content"].startswith("<p>The market is closed on Monday.<br>")
    assert '<a href="https://city.example/x"' in shown["content"]
    assert shown["published_at"] and shown["updated_at"]
    assert shown["starts_at"] is None and shown["ends_at"] is None
    assert [shown[k] for k in ("mentions", "statuses", "tags", "emojis", "reactions")] == [[]] * 5


async def test_the_text_is_escaped_not_taken_as_html(masto: Masto) -> None:
    announced(masto, "<script>alert(1)</script> <b>bold</b>")
    (shown,) = await listed(masto)
    assert "<script>" not in shown["content"] and "&lt;b&gt;" in shown["content"]


async def test_drafts_and_unpublished_announcements_are_not_listed(masto: Masto) -> None:
    announced(masto, "A draft.", publish=False)
    number = announced(masto, "Taken down.")
    masto.db.write_sync(
        lambda s: announcements.unpublish(s, announcements.find(s, int(number)), None)
    )
    assert await listed(masto) == []


async def test_an_ended_announcement_is_not_listed_and_an_upcoming_event_is(masto: Masto) -> None:
    now = utcnow()
    announced(masto, "Over.", starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=1))
    upcoming = announced(
        masto, "Next week.", starts_at=now + timedelta(days=7), ends_at=now + timedelta(days=8)
    )
    (shown,) = await listed(masto)
    assert shown["id"] == upcoming and shown["starts_at"] and shown["ends_at"]


async def test_announcements_are_in_the_order_of_what_they_announce(masto: Masto) -> None:
    now = utcnow()
    later = announced(masto, "Later.", starts_at=now + timedelta(days=3))
    sooner = announced(masto, "Sooner.", starts_at=now + timedelta(days=1))
    assert [a["id"] for a in await listed(masto)] == [sooner, later]


async def test_a_dismissed_announcement_leaves_the_list_of_that_member_only(masto: Masto) -> None:
    number = announced(masto, "Read me once.")
    answer = await masto.post(f"/api/v1/announcements/{number}/dismiss", "alice")
    assert (answer.status_code, answer.json()) == (200, {})
    assert await listed(masto, "alice") == []
    assert [a["id"] for a in await listed(masto, "bob")] == [number]


async def test_with_dismissed_lists_them_marked_read(masto: Masto) -> None:
    number = announced(masto, "Read me once.")
    await masto.post(f"/api/v1/announcements/{number}/dismiss", "alice")
    (shown,) = await listed(masto, with_dismissed="true")
    assert shown["id"] == number and shown["read"] is True


async def test_dismissing_twice_is_no_error(masto: Masto) -> None:
    number = announced(masto, "Read me once.")
    await masto.post(f"/api/v1/announcements/{number}/dismiss", "alice")
    again = await masto.post(f"/api/v1/announcements/{number}/dismiss", "alice")
    assert again.status_code == 200


async def test_reactions_are_counted_with_me_for_the_caller(masto: Masto) -> None:
    number = announced(masto, "Fête du pain.")
    path = f"/api/v1/announcements/{number}/reactions"
    assert (await put(masto, f"{path}/🎉", "alice")).json() == {}
    await put(masto, f"{path}/🎉", "bob")
    await put(masto, f"{path}/👍🏽", "bob")
    (as_alice,) = await listed(masto, "alice")
    assert as_alice["reactions"] == [
        {"name": "🎉", "count": 2, "me": True},
        {"name": "👍🏽", "count": 1, "me": False},
    ]


async def test_the_same_reaction_again_is_a_duplicate_and_counts_once(masto: Masto) -> None:
    number = announced(masto, "Fête du pain.")
    path = f"/api/v1/announcements/{number}/reactions/🎉"
    await put(masto, path, "alice")
    again = await put(masto, path, "alice")
    assert (again.status_code, again.json()) == (422, {"error": "Duplicate record"})
    (shown,) = await listed(masto)
    assert shown["reactions"] == [{"name": "🎉", "count": 1, "me": True}]


async def test_a_reaction_taken_back_leaves_the_count(masto: Masto) -> None:
    number = announced(masto, "Fête du pain.")
    path = f"/api/v1/announcements/{number}/reactions/🎉"
    await put(masto, path, "alice")
    await put(masto, path, "bob")
    assert (await delete(masto, path, "alice")).json() == {}
    (shown,) = await listed(masto, "alice")
    assert shown["reactions"] == [{"name": "🎉", "count": 1, "me": False}]


async def test_taking_back_a_reaction_not_made_is_404(masto: Masto) -> None:
    number = announced(masto, "Fête du pain.")
    answer = await delete(masto, f"/api/v1/announcements/{number}/reactions/🎉", "alice")
    assert (answer.status_code, answer.json()) == (404, {"error": "Record not found"})


async def test_a_custom_emoji_name_the_city_does_not_have_is_422(masto: Masto) -> None:
    number = announced(masto, "Fête du pain.")
    answer = await put(masto, f"/api/v1/announcements/{number}/reactions/blobcat", "alice")
    assert answer.status_code == 422
    assert answer.json() == {"error": "Validation failed: Name is not a recognized emoji"}
    (shown,) = await listed(masto)
    assert shown["reactions"] == []


async def test_a_ninth_different_emoji_is_refused(masto: Masto) -> None:
    number = announced(masto, "Fête du pain.")
    path = f"/api/v1/announcements/{number}/reactions"
    for emoji in "🎉👍❤😀🍞🥖🚲🌳":
        assert (await put(masto, f"{path}/{emoji}", "alice")).status_code == 200
    assert (await put(masto, f"{path}/🍎", "bob")).status_code == 422
    assert (await put(masto, f"{path}/🎉", "bob")).status_code == 200


async def test_an_unknown_announcement_is_404_in_mastodons_shape(masto: Masto) -> None:
    for answer in (
        await masto.post("/api/v1/announcements/999/dismiss", "alice"),
        await masto.post("/api/v1/announcements/x/dismiss", "alice"),
        await put(masto, "/api/v1/announcements/999/reactions/🎉", "alice"),
    ):
        assert (answer.status_code, answer.json()) == (404, {"error": "Record not found"})


async def test_a_draft_is_unknown_to_dismiss_and_react(masto: Masto) -> None:
    number = announced(masto, "Not yet.", publish=False)
    assert (await masto.post(f"/api/v1/announcements/{number}/dismiss", "alice")).status_code == 404
    answer = await put(masto, f"/api/v1/announcements/{number}/reactions/🎉", "alice")
    assert answer.status_code == 404


async def test_a_read_only_token_lists_but_cannot_dismiss(masto: Masto) -> None:
    number = announced(masto, "Read me once.")
    token = await masto.scoped_token("alice", "read")
    assert [a["id"] for a in await listed(masto, token)] == [number]
    refused = await masto.post(f"/api/v1/announcements/{number}/dismiss", token)
    assert refused.status_code == 403
    assert refused.json() == {"error": "This action is outside the authorized scopes"}


async def test_reacting_needs_write_favourites(masto: Masto) -> None:
    number = announced(masto, "Fête du pain.")
    path = f"/api/v1/announcements/{number}/reactions/🎉"
    accounts_only = await masto.scoped_token("alice", "write:accounts")
    assert (await put(masto, path, accounts_only)).status_code == 403
    favourites = await masto.scoped_token("alice", "write:favourites")
    assert (await put(masto, path, favourites)).status_code == 200


async def test_dismissing_with_write_accounts_is_enough(masto: Masto) -> None:
    number = announced(masto, "Read me once.")
    token = await masto.scoped_token("alice", "write:accounts")
    assert (await masto.post(f"/api/v1/announcements/{number}/dismiss", token)).status_code == 200


async def test_the_list_needs_a_token(masto: Masto) -> None:
    refused = await masto.get("/api/v1/announcements")
    assert refused.status_code == 401 and "error" in refused.json()


def test_unicode_emojis_are_told_from_shortcodes() -> None:
    for emoji in ("🎉", "❤️", "👍🏽", "🇫🇷", "1️⃣", "👩‍👩‍👧", "🏴󠁧󠁢󠁳󠁣󠁴󠁿"):
        assert announcements.is_unicode_emoji(emoji), emoji
    for name in ("blobcat", ":blobcat:", "a🎉", "", "1", "🎉" * 20):
        assert not announcements.is_unicode_emoji(name), name
