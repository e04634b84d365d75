"""`/api/v1/statuses` in process: the Status shape, posting through the federating use case,
visibility, listings as statuses, context, delete, favourite and reblog."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from api.auth import revoke_tokens
from models import OutboundActivity

from .mastodon_city import ELSEWHERE, Masto

#: the fields Mastodon documents for Status (entities/Status.md)
STATUS_FIELDS = {
    "id", "uri", "created_at", "account", "content", "visibility", "sensitive", "spoiler_text",
    "media_attachments", "application", "mentions", "tags", "emojis", "reblogs_count",
    "favourites_count", "replies_count", "url", "in_reply_to_id", "in_reply_to_account_id",
    "reblog", "poll", "card", "language", "edited_at", "favourited", "reblogged", "muted",
    "bookmarked", "pinned", "filtered",
}  # fmt: skip
ATTACHMENT_FIELDS = {"id", "type", "url", "preview_url", "remote_url", "meta", "description",
                     "blurhash"}  # fmt: skip


async def test_posting_answers_a_status_in_mastodon_shape(masto: Masto) -> None:
    found = await masto.status("alice", "Hello #market")
    assert STATUS_FIELDS <= set(found)
    assert "Hello" in found["content"]
    assert found["visibility"] == "public"
    assert found["account"]["username"] == "alice"
    assert found["tags"] == [{"name": "market", "url": found["tags"][0]["url"]}]


async def test_posting_federates_a_create(masto: Masto) -> None:
    await masto.status("alice", "Hello")
    kinds = masto.db.read_sync(lambda s: list(s.scalars(select(OutboundActivity.type))))
    assert kinds == ["Create"]


async def test_private_is_followers_only(masto: Masto) -> None:
    found = await masto.status("alice", "Friends only", visibility="private")
    assert found["visibility"] == "private"
    other = await masto.get(f"/api/v1/statuses/{found['id']}", "bob")
    assert other.status_code == 404


async def test_an_unknown_visibility_is_422(masto: Masto) -> None:
    answer = await masto.post("/api/v1/statuses", "alice", status="x", visibility="secret")
    assert answer.status_code == 422
    assert "error" in answer.json()


async def test_an_empty_status_is_422(masto: Masto) -> None:
    answer = await masto.post("/api/v1/statuses", "alice", status=" ")
    assert answer.status_code == 422


async def test_a_status_over_the_length_limit_is_422(masto: Masto) -> None:
    answer = await masto.post("/api/v1/statuses", "alice", status="x" * 5001)
    assert answer.status_code == 422


async def test_posting_needs_write_statuses(masto: Masto) -> None:
    token = await masto.scoped_token("alice", "read")
    answer = await masto.post("/api/v1/statuses", token, status="no")
    assert answer.status_code == 403
    assert answer.json() == {"error": "This action is outside the authorized scopes"}


async def test_posting_without_a_token_is_401(masto: Masto) -> None:
    answer = await masto.post("/api/v1/statuses", status="no")
    assert answer.status_code == 401


async def test_a_revoked_token_is_refused(masto: Masto) -> None:
    token = await masto.scoped_token("alice", "read write")
    masto.db.write_sync(lambda s: revoke_tokens(s, "alice"))
    answer = await masto.post("/api/v1/statuses", token, status="no")
    assert answer.status_code == 401
    assert "error" in answer.json()


async def test_a_reply_points_at_its_parent_and_shows_in_context(masto: Masto) -> None:
    parent = await masto.status("alice", "Question?")
    reply = await masto.status("bob", "Answer.", in_reply_to_id=parent["id"])
    assert reply["in_reply_to_id"] == parent["id"]
    assert reply["in_reply_to_account_id"] == parent["account"]["id"]
    context = (await masto.get(f"/api/v1/statuses/{parent['id']}/context")).json()
    assert [s["id"] for s in context["descendants"]] == [reply["id"]]
    above = (await masto.get(f"/api/v1/statuses/{reply['id']}/context")).json()
    assert [s["id"] for s in above["ancestors"]] == [parent["id"]]


async def test_a_reply_is_counted_on_its_parent(masto: Masto) -> None:
    parent = await masto.status("alice", "Who has a ladder?")
    await masto.status("bob", "I do.", in_reply_to_id=parent["id"])
    shown = (await masto.get(f"/api/v1/statuses/{parent['id']}", "alice")).json()
    assert (shown["replies_count"], shown["favourites_count"]) == (1, 0)


async def test_a_reply_to_a_remote_note_mentions_its_author(masto: Masto) -> None:
    carol = masto.remote("carol")
    uri = masto.remote_note(carol, "Anyone?")
    found = (await masto.get("/api/v1/timelines/public")).json()
    parent = next(s for s in found if s["uri"] == uri)
    reply = await masto.status("alice", "Me!", in_reply_to_id=parent["id"])
    assert [m["acct"] for m in reply["mentions"]] == [f"carol@{ELSEWHERE}"]


async def test_a_direct_status_is_seen_by_its_author_alone_here(masto: Masto) -> None:
    carol = masto.remote("carol")
    assert carol
    found = await masto.status("alice", f"@carol@{ELSEWHERE} psst", visibility="direct")
    assert found["visibility"] == "direct"
    assert (await masto.get(f"/api/v1/statuses/{found['id']}", "alice")).status_code == 200
    assert (await masto.get(f"/api/v1/statuses/{found['id']}", "bob")).status_code == 404
    assert (await masto.get(f"/api/v1/statuses/{found['id']}")).status_code == 404


async def test_a_listing_is_a_status_with_its_text_link_and_photos(masto: Masto) -> None:
    carol = masto.remote("carol")
    uri = masto.remote_listing(carol, "Old lamp")
    found = (await masto.get("/api/v1/timelines/public")).json()
    status = next(s for s in found if s["uri"] == uri)
    assert "Old lamp" in status["content"] and uri in status["content"]
    assert "5.00 TWN" in status["content"]
    (photo,) = status["media_attachments"]
    assert ATTACHMENT_FIELDS <= set(photo)
    assert photo["type"] == "image" and photo["url"] == f"https://{ELSEWHERE}/p.jpg"


async def test_a_local_listing_is_a_public_status(masto: Masto) -> None:
    listing = await masto.listing("alice")
    found = (await masto.get("/api/v1/timelines/public", local="true")).json()
    (status,) = found
    assert status["uri"] == listing["uri"]
    assert "Bike repair, one hour" in status["content"]


async def test_delete_removes_the_status_and_gives_its_text(masto: Masto) -> None:
    found = await masto.status("alice", "Oops")
    answer = await masto.http.delete(f"/api/v1/statuses/{found['id']}", headers=masto.auth("alice"))
    assert answer.status_code == 200
    assert answer.json()["text"] == "Oops"
    assert (await masto.get(f"/api/v1/statuses/{found['id']}", "alice")).status_code == 404
    kinds = masto.db.read_sync(lambda s: list(s.scalars(select(OutboundActivity.type))))
    assert "Delete" in kinds


async def test_deleting_someone_elses_status_is_404(masto: Masto) -> None:
    found = await masto.status("alice", "Mine")
    answer = await masto.http.delete(f"/api/v1/statuses/{found['id']}", headers=masto.auth("bob"))
    assert answer.status_code == 404


async def test_favourite_counts_and_unfavourite_uncounts(masto: Masto) -> None:
    found = await masto.status("alice", "Nice")
    liked = (await masto.post(f"/api/v1/statuses/{found['id']}/favourite", "bob")).json()
    assert (liked["favourited"], liked["favourites_count"]) == (True, 1)
    again = (await masto.post(f"/api/v1/statuses/{found['id']}/favourite", "bob")).json()
    assert again["favourites_count"] == 1
    undone = (await masto.post(f"/api/v1/statuses/{found['id']}/unfavourite", "bob")).json()
    assert (undone["favourited"], undone["favourites_count"]) == (False, 0)


async def test_reblog_marks_the_status_reblogged(masto: Masto) -> None:
    found = await masto.status("alice", "Share me")
    boosted = (await masto.post(f"/api/v1/statuses/{found['id']}/reblog", "bob")).json()
    assert boosted["reblog"]["id"] == found["id"]
    assert boosted["reblog"]["reblogged"] is True
    undone = (await masto.post(f"/api/v1/statuses/{found['id']}/unreblog", "bob")).json()
    assert (undone["reblogged"], undone["reblogs_count"]) == (False, 0)


async def test_favourite_needs_write_favourites(masto: Masto) -> None:
    found = await masto.status("alice", "Nice")
    token = await masto.scoped_token("bob", "write:statuses")
    answer = await masto.post(f"/api/v1/statuses/{found['id']}/favourite", token)
    assert answer.status_code == 403


async def test_an_unknown_status_is_404(masto: Masto) -> None:
    for value in ("12345", "nope"):
        answer = await masto.get(f"/api/v1/statuses/{value}")
        assert answer.status_code == 404
        assert answer.json() == {"error": "Record not found"}


async def _alice_statuses(masto: Masto) -> list[Any]:
    me = (await masto.get("/api/v1/accounts/verify_credentials", "alice")).json()
    answer = await masto.get(f"/api/v1/accounts/{me['id']}/statuses", "alice")
    found: list[Any] = answer.json()
    return found


async def test_a_status_with_a_poll_in_a_form_is_refused_not_posted_without_it(
    masto: Masto,
) -> None:
    answer = await masto.http.post(
        "/api/v1/statuses",
        data={"status": "Bread or cake?", "poll[options][]": ["Bread", "Cake"],
              "poll[expires_in]": "3600"},
        headers=masto.auth("alice"),
    )  # fmt: skip
    assert answer.status_code == 422
    assert "Poll" in answer.json()["error"]
    assert await _alice_statuses(masto) == []


async def test_a_status_with_a_poll_in_json_is_refused(masto: Masto) -> None:
    answer = await masto.post(
        "/api/v1/statuses",
        "alice",
        status="Bread or cake?",
        poll={"options": ["Bread", "Cake"], "expires_in": 3600},
    )
    assert answer.status_code == 422
    assert await _alice_statuses(masto) == []


async def test_a_null_poll_is_no_poll(masto: Masto) -> None:
    answer = await masto.post("/api/v1/statuses", "alice", status="Just bread", poll=None)
    assert answer.status_code == 200, answer.text
