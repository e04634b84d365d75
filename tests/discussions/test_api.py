"""Discussions through the API, each answer checked against the OpenAPI document."""

from __future__ import annotations

from typing import Any

from api.openapi import PREFIX

from ..api.conftest import Client
from ..openapi_answers import check_answer


async def test_the_api_opens_a_space_posts_a_thread_and_a_reply(city: Client) -> None:
    doc: dict[str, Any] = (await city.http.get(f"{PREFIX}/openapi.json")).json()

    async def call(template: str, path: str, who: str, body: Any = None) -> Any:
        if body is None:
            answer = await city.get(path, as_=who)
            check_answer(doc, template, "get", answer)
        else:
            answer = await city.post(path, body, as_=who)
            check_answer(doc, template, "post", answer)
        return answer

    space = {"slug": "bikes", "title": "Bike repair", "audience": "federated"}
    refused = await call("/discussions", "/discussions", "alice", space)
    assert refused.status_code == 403
    opened = await call("/discussions", "/discussions", "mayor", space)
    assert opened.status_code == 201 and opened.json()["accepts_posts"] is True

    thread = await call(
        "/discussions/{slug}/threads",
        "/discussions/bikes/threads",
        "alice",
        {"title": "Where?", "text": "The market hall."},
    )
    assert thread.status_code == 201
    thread_id = thread.json()["id"]
    replied = await call(
        "/discussions/threads/{id}/replies",
        f"/discussions/threads/{thread_id}/replies",
        "bob",
        {"text": "Yes!"},
    )
    assert replied.status_code == 201

    listed = await call("/discussions/{slug}", "/discussions/bikes", "bob")
    assert [t["title"] for t in listed.json()["threads"]] == ["Where?"]
    read = await call("/discussions/threads/{id}", f"/discussions/threads/{thread_id}", "bob")
    assert [r["content"] for r in read.json()["replies"]] == ["<p>Yes!</p>"]

    locked = await call(
        "/discussions/threads/{id}/moderation",
        f"/discussions/threads/{thread_id}/moderation",
        "mayor",
        {"action": "lock", "reason": "done"},
    )
    assert locked.json()["locked"] is True
    late = await call(
        "/discussions/threads/{id}/replies",
        f"/discussions/threads/{thread_id}/replies",
        "bob",
        {"text": "Again"},
    )
    assert late.status_code == 409 and late.json()["error"]["code"] == "thread_locked"

    closed = await call(
        "/discussions/{slug}/state", "/discussions/bikes/state", "mayor", {"state": "closed"}
    )
    assert closed.json()["accepts_posts"] is False
    no_thread = await call(
        "/discussions/{slug}/threads",
        "/discussions/bikes/threads",
        "alice",
        {"title": "More", "text": "?"},
    )
    assert no_thread.json()["error"]["code"] == "discussion_closed"
    assert (await call("/discussions", "/discussions", "bob")).json()[0]["state"] == "closed"
