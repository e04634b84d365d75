"""`/api/v1/accounts/...` in process: the Account shape, credentials, lookup, follows."""

from __future__ import annotations

import json

from sqlalchemy import select

from models import Direction, Follow, FollowState, OutboundActivity

from ..listings.conftest import image_bytes
from .mastodon_city import ELSEWHERE, Masto

#: the fields Mastodon documents for Account (entities/Account.md), all of which we send
ACCOUNT_FIELDS = {
    "id", "username", "acct", "url", "display_name", "note", "avatar", "avatar_static",
    "header", "header_static", "locked", "fields", "emojis", "bot", "group", "discoverable",
    "noindex", "created_at", "last_status_at", "statuses_count", "followers_count",
    "following_count", "hide_collections", "indexable", "roles", "uri",
}  # fmt: skip
RELATIONSHIP_FIELDS = {
    "id", "following", "showing_reblogs", "notifying", "languages", "followed_by", "blocking",
    "blocked_by", "muting", "muting_notifications", "requested", "requested_by",
    "domain_blocking", "endorsed", "note",
}  # fmt: skip


async def test_verify_credentials_is_an_account_with_its_source(masto: Masto) -> None:
    answer = await masto.get("/api/v1/accounts/verify_credentials", "alice")
    assert answer.status_code == 200
    found = answer.json()
    assert ACCOUNT_FIELDS <= set(found)
    assert found["username"] == "alice" and found["acct"] == "alice"
    assert found["id"] == masto.account_id("alice")
    assert set(found["source"]) >= {"privacy", "note", "fields", "language", "sensitive"}


async def test_verify_credentials_without_a_token_is_401(masto: Masto) -> None:
    answer = await masto.get("/api/v1/accounts/verify_credentials")
    assert answer.status_code == 401
    assert "error" in answer.json()


async def test_verify_credentials_accepts_the_profile_scope(masto: Masto) -> None:
    token = await masto.scoped_token("alice", "profile")
    answer = await masto.get("/api/v1/accounts/verify_credentials", token)
    assert answer.status_code == 200


async def test_verify_credentials_refuses_a_token_without_account_scopes(masto: Masto) -> None:
    token = await masto.scoped_token("alice", "read:statuses")
    answer = await masto.get("/api/v1/accounts/verify_credentials", token)
    assert answer.status_code == 403
    assert answer.json() == {"error": "This action is outside the authorized scopes"}


async def test_update_credentials_changes_name_and_note_and_federates(masto: Masto) -> None:
    answer = await masto.http.patch(
        "/api/v1/accounts/update_credentials",
        data={"display_name": "Alice B.", "note": "I mend bikes."},
        headers=masto.auth("alice"),
    )
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["display_name"] == "Alice B."
    assert "I mend bikes." in found["note"] and found["source"]["note"] == "I mend bikes."
    kinds = masto.db.read_sync(lambda s: list(s.scalars(select(OutboundActivity.type))))
    assert "Update" in kinds


async def test_update_credentials_needs_write_accounts(masto: Masto) -> None:
    token = await masto.scoped_token("alice", "read")
    answer = await masto.http.patch(
        "/api/v1/accounts/update_credentials",
        data={"display_name": "x"},
        headers=masto.auth(token),
    )
    assert answer.status_code == 403


async def test_an_account_is_public_by_id(masto: Masto) -> None:
    answer = await masto.get(f"/api/v1/accounts/{masto.account_id('bob')}")
    assert answer.status_code == 200
    assert answer.json()["username"] == "bob"


async def test_an_unknown_account_is_404_in_mastodon_shape(masto: Masto) -> None:
    for value in ("999998", "abc"):
        answer = await masto.get(f"/api/v1/accounts/{value}")
        assert answer.status_code == 404
        assert answer.json() == {"error": "Record not found"}


async def test_a_remote_account_has_an_odd_id_and_its_full_handle(masto: Masto) -> None:
    actor = masto.remote("carol")
    answer = await masto.get(f"/api/v1/accounts/{2 * actor + 1}")
    assert answer.json()["acct"] == f"carol@{ELSEWHERE}"


async def test_lookup_finds_a_member_and_a_known_remote_account(masto: Masto) -> None:
    masto.remote("carol")
    local = await masto.get("/api/v1/accounts/lookup", acct="bob")
    remote = await masto.get("/api/v1/accounts/lookup", acct=f"carol@{ELSEWHERE}")
    assert local.json()["username"] == "bob"
    assert remote.json()["acct"] == f"carol@{ELSEWHERE}"


async def test_lookup_of_an_unknown_name_is_404(masto: Masto) -> None:
    answer = await masto.get("/api/v1/accounts/lookup", acct="nobody")
    assert answer.status_code == 404


async def test_follow_sends_a_follow_and_is_requested(masto: Masto) -> None:
    actor = masto.remote("carol")
    answer = await masto.post(f"/api/v1/accounts/{2 * actor + 1}/follow", "alice")
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert RELATIONSHIP_FIELDS <= set(found)
    assert found["requested"] is True and found["following"] is False
    sent = masto.db.read_sync(lambda s: list(s.scalars(select(OutboundActivity.type))))
    assert "Follow" in sent


async def test_unfollow_undoes_the_follow(masto: Masto) -> None:
    actor = masto.remote("carol")
    await masto.post(f"/api/v1/accounts/{2 * actor + 1}/follow", "alice")
    answer = await masto.post(f"/api/v1/accounts/{2 * actor + 1}/unfollow", "alice")
    assert answer.json()["requested"] is False
    left = masto.db.read_sync(lambda s: s.scalar(select(Follow.id)))
    assert left is None


async def test_following_a_member_of_the_city_is_refused(masto: Masto) -> None:
    answer = await masto.post(f"/api/v1/accounts/{masto.account_id('bob')}/follow", "alice")
    assert answer.status_code == 422
    assert "error" in answer.json()


async def test_follow_needs_write_follows(masto: Masto) -> None:
    actor = masto.remote("carol")
    token = await masto.scoped_token("alice", "read")
    answer = await masto.post(f"/api/v1/accounts/{2 * actor + 1}/follow", token)
    assert answer.status_code == 403


async def test_relationships_say_who_follows_whom(masto: Masto) -> None:
    carol, dave = masto.remote("carol"), masto.remote("dave")
    masto.follows("alice", carol)
    masto.follows("alice", dave, Direction.inbound)
    answer = await masto.get(
        "/api/v1/accounts/relationships", "alice", **{"id[]": [2 * carol + 1, 2 * dave + 1]}
    )
    first, second = answer.json()
    assert (first["following"], first["followed_by"]) == (True, False)
    assert (second["following"], second["followed_by"]) == (False, True)


async def test_followers_and_following_list_remote_accounts(masto: Masto) -> None:
    carol, dave = masto.remote("carol"), masto.remote("dave")
    masto.follows("alice", carol)
    masto.follows("alice", dave, Direction.inbound)
    me = masto.account_id("alice")
    following = (await masto.get(f"/api/v1/accounts/{me}/following")).json()
    followers = (await masto.get(f"/api/v1/accounts/{me}/followers")).json()
    assert [a["username"] for a in following] == ["carol"]
    assert [a["username"] for a in followers] == ["dave"]


async def test_counts_show_accepted_follows(masto: Masto) -> None:
    carol = masto.remote("carol")
    masto.follows("alice", carol)
    found = (await masto.get(f"/api/v1/accounts/{masto.account_id('alice')}")).json()
    assert (found["following_count"], found["followers_count"]) == (1, 0)
    assert FollowState.accepted  # the follows above are accepted ones


async def test_update_credentials_takes_an_avatar_and_accounts_show_it(masto: Masto) -> None:
    answer = await masto.http.patch(
        "/api/v1/accounts/update_credentials",
        files={"avatar": ("me.jpg", image_bytes("JPEG", size=(48, 48)), "image/jpeg")},
        headers=masto.auth("alice"),
    )
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["avatar"] == found["avatar_static"]
    assert "/media/" in found["avatar"] and found["avatar"].endswith(".jpg")
    shown = await masto.get(f"/api/v1/accounts/{masto.account_id('alice')}")
    assert shown.json()["avatar"] == found["avatar"]
    served = await masto.http.get(found["avatar"])
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    updates = masto.db.read_sync(
        lambda s: list(
            s.scalars(
                select(OutboundActivity.body)
                .where(OutboundActivity.type == "Update")
                .order_by(OutboundActivity.id)
            )
        )
    )
    assert json.loads(updates[-1])["object"]["icon"]["url"] == found["avatar"]
    refused = await masto.http.patch(
        "/api/v1/accounts/update_credentials",
        data={"display_name": "Not saved"},
        files={"avatar": ("me.png", b"not a picture", "image/png")},
        headers=masto.auth("alice"),
    )
    assert refused.status_code == 422 and "error" in refused.json()
    again = await masto.get("/api/v1/accounts/verify_credentials", "alice")
    assert again.json()["avatar"] == found["avatar"] and again.json()["display_name"] != "Not saved"
