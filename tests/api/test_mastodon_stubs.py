"""The start-up endpoints Comptoir answers empty, in Mastodon's shapes, with their scopes
(trends, suggestions and featured tags are real now: their own tests)."""

from __future__ import annotations

import pytest

from api.mastodon import stubs

from .mastodon_city import Masto


@pytest.mark.parametrize(
    ("path", "empty"),
    [
        ("/api/v1/lists", []),
        ("/api/v1/custom_emojis", []),
    ],
)
async def test_answers_in_shape(masto: Masto, path: str, empty: object) -> None:
    answer = await masto.get(path, "alice")
    assert (answer.status_code, answer.json()) == (200, empty)


async def test_preferences_name_the_default_visibility(masto: Masto) -> None:
    found = (await masto.get("/api/v1/preferences", "alice")).json()
    assert found["posting:default:visibility"] == "public"


async def test_custom_emojis_are_public(masto: Masto) -> None:
    assert (await masto.get("/api/v1/custom_emojis")).status_code == 200


async def test_lists_need_read_lists(masto: Masto) -> None:
    token = await masto.scoped_token("alice", "read:statuses")
    assert (await masto.get("/api/v1/lists", token)).status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/followed_tags",
        "/api/v1/endorsements",
        "/api/v1/bookmarks",
        "/api/v1/scheduled_statuses",
        "/api/v1/notifications/requests",
    ],
)
async def test_a_members_empty_list_needs_a_token(masto: Masto, path: str) -> None:
    assert (await masto.get(path, "alice")).json() == []
    refused = await masto.get(path)
    assert refused.status_code == 401 and "error" in refused.json()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/trends/tags",
        "/api/v1/trends/statuses",
        "/api/v2/suggestions",
        "/api/v1/featured_tags",
        "/api/v1/accounts/2/featured_tags",
    ],
)
async def test_what_was_answered_empty_here_is_served_by_its_own_module(
    path: str,
) -> None:
    """Trends, suggestions and featured tags are real now (test_mastodon_trends.py,
    test_mastodon_suggestions.py, test_mastodon_featured_tags.py), no longer stubs."""
    stubbed = {route.path for route in stubs.routes()}
    assert path not in stubbed


async def test_familiar_followers_answers_each_account_asked(masto: Masto) -> None:
    alice = masto.account_id("alice")
    answer = await masto.get("/api/v1/accounts/familiar_followers", "alice", **{"id[]": alice})
    assert answer.json() == [{"id": alice, "accounts": []}]


async def test_a_tag_is_shown_and_a_name_that_is_not_one_is_404(masto: Masto) -> None:
    found = (await masto.get("/api/v1/tags/Garden", "alice")).json()
    assert found["name"] == "garden" and found["following"] is False
    assert [day["uses"] for day in found["history"]] == ["0"] * 7
    assert (await masto.get("/api/v1/tags/not%20a%20tag")).status_code == 404


async def test_the_notification_policy_accepts_everything(masto: Masto) -> None:
    found = (await masto.get("/api/v2/notifications/policy", "alice")).json()
    assert found["for_private_mentions"] == "accept"
    assert (await masto.get("/api/v2/notifications/policy")).status_code == 401
