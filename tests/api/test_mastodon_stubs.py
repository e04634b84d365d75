"""The start-up endpoints Comptoir answers empty, in Mastodon's shapes, with their scopes."""

from __future__ import annotations

import pytest

from .mastodon_city import Masto


@pytest.mark.parametrize(
    ("path", "empty"),
    [
        ("/api/v1/markers", {}),
        ("/api/v2/filters", []),
        ("/api/v1/filters", []),
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


async def test_markers_need_a_token(masto: Masto) -> None:
    assert (await masto.get("/api/v1/markers")).status_code == 401
