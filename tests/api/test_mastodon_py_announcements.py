"""The city's announcements through the real client Mastodon.py against a live city on
loopback HTTP: `announcements()`, `announcement_reaction_create` / `_delete` and
`announcement_dismiss`, as an app calls them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from mastodon import MastodonAPIError

from exchange import announcements

from ..e2e.helpers import add_member
from ..live import LiveCity
from .test_mastodon_py_client import _logged_in

pytestmark = pytest.mark.slow


async def test_an_app_reads_reacts_to_and_dismisses_an_announcement(
    start_city: Callable[..., Any],
) -> None:
    city: LiveCity = await start_city(run_worker=False)
    add_member(city, "alice")

    def announce(session: Any) -> int:
        row = announcements.add(session, "Le marché est fermé lundi.", None)
        announcements.publish(session, row, None)
        return row.id

    number = city.db.write_sync(announce)
    client = await asyncio.to_thread(_logged_in, city, "alice")

    def calls() -> dict[str, Any]:
        (shown,) = client.announcements()
        client.announcement_reaction_create(shown["id"], "🥖")
        reacted = client.announcements()[0]["reactions"]
        try:
            client.announcement_reaction_create(shown["id"], "blobcat")
            custom = "accepted"
        except MastodonAPIError as exc:
            custom = str(exc)
        client.announcement_reaction_delete(shown["id"], "🥖")
        taken_back = client.announcements()[0]["reactions"]
        client.announcement_dismiss(shown["id"])
        return {
            "shown": shown,
            "reacted": reacted,
            "custom": custom,
            "taken_back": taken_back,
            "after": client.announcements(),
        }

    got = await asyncio.to_thread(calls)
    assert got["shown"]["id"] == str(number) and got["shown"]["read"] is False
    assert got["shown"]["content"] == "<p>Le marché est fermé lundi.</p>"
    assert [(r["name"], r["count"], r["me"]) for r in got["reacted"]] == [("🥖", 1, True)]
    assert "422" in got["custom"] and "not a recognized emoji" in got["custom"]
    assert list(got["taken_back"]) == []
    assert list(got["after"]) == []
