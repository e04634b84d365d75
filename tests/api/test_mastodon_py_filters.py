"""Filters through the real client Mastodon.py against a live city on loopback HTTP: the v2
methods an app calls to make, change and remove a filter, its keywords and statuses, the
v1 list, and a hiding filter at work on the home timeline."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from ..e2e.helpers import add_member
from ..live import LiveCity
from .test_mastodon_py_client import _logged_in

pytestmark = pytest.mark.slow


async def test_an_app_makes_changes_applies_and_removes_filters(
    start_city: Callable[..., Any],
) -> None:
    city: LiveCity = await start_city(run_worker=False)
    add_member(city, "alice")
    client = await asyncio.to_thread(_logged_in, city, "alice")

    def calls() -> dict[str, Any]:
        made = client.create_filter_v2(
            "Politics",
            ["home", "public"],
            "warn",
            keywords_attributes=[{"keyword": "vote", "whole_word": True}],
        )
        added = client.add_filter_keyword_v2(made["id"], "ballot", whole_word=False)
        voted = client.status_post("Go and vote today")
        plain = client.status_post("Garden news")
        entry = client.add_filter_status_v2(made["id"], plain["id"])
        warned = {s["id"]: s["filtered"] for s in client.timeline_home()}
        changed = client.update_filter_v2(
            made["id"],
            filter_action="hide",
            keywords_attributes=[{"id": made["keywords"][0]["id"], "_destroy": True}],
        )
        hidden = [s["id"] for s in client.timeline_home()]
        v1 = client.filters()
        client.delete_filter_status_v2(entry["id"])
        statuses_left = client.filter_statuses_v2(made["id"])
        client.delete_filter_keyword_v2(added["id"])
        keywords_left = client.filter_keywords_v2(made["id"])
        client.delete_filter_v2(made["id"])
        return {
            "made": made,
            "voted": voted["id"],
            "plain": plain["id"],
            "warned": warned,
            "changed": changed,
            "hidden": hidden,
            "v1": v1,
            "statuses_left": statuses_left,
            "keywords_left": keywords_left,
            "after": client.filters_v2(),
        }

    got = await asyncio.to_thread(calls)
    assert [k["keyword"] for k in got["made"]["keywords"]] == ["vote"]
    (on_vote,) = got["warned"][got["voted"]]
    assert on_vote["keyword_matches"] == ["vote"] and on_vote["filter"]["title"] == "Politics"
    (on_plain,) = got["warned"][got["plain"]]
    assert on_plain["status_matches"] == [str(got["plain"])]
    assert got["changed"]["filter_action"] == "hide"
    assert [k["keyword"] for k in got["changed"]["keywords"]] == ["ballot"]
    assert got["hidden"] == [got["voted"]]  # "vote" was removed; the plain status is hidden
    assert [(f["phrase"], f["irreversible"]) for f in got["v1"]] == [("ballot", True)]
    assert list(got["statuses_left"]) == [] and list(got["keywords_left"]) == []
    assert list(got["after"]) == []
