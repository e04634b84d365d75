"""Consultations through the API, each answer checked against the OpenAPI document: staff
attach a poll, a member votes once and sees the tally, every bad vote is refused with a code
and nothing written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from api.openapi import PREFIX
from models import PollVote, utcnow

from ..api.conftest import Client
from ..openapi_answers import check_answer


async def test_a_member_votes_once_and_bad_votes_are_refused(city: Client) -> None:
    doc: dict[str, Any] = (await city.http.get(f"{PREFIX}/openapi.json")).json()

    async def call(template: str, path: str, who: str, body: Any = None) -> Any:
        if body is None:
            answer = await city.get(path, as_=who)
            check_answer(doc, template, "get", answer)
        else:
            answer = await city.post(path, body, as_=who)
            check_answer(doc, template, "post", answer)
        return answer

    space = {"slug": "bikes", "title": "Bike repair", "audience": "members"}
    assert (await call("/discussions", "/discussions", "mayor", space)).status_code == 201
    ballot = {
        "question": "Where should the workshop go?",
        "options": ["Market hall", "Station", "Library"],
        "closes_at": (utcnow() + timedelta(days=7)).isoformat(),
        "results": "after_vote",
    }
    polls_path = "/discussions/{slug}/polls"
    refused = await call(polls_path, "/discussions/bikes/polls", "alice", ballot)
    assert refused.status_code == 403
    remote = await call(
        polls_path, "/discussions/bikes/polls", "mayor", {**ballot, "remote_votes": True}
    )
    assert remote.json()["error"]["code"] == "remote_votes_members_only"
    made = await call(polls_path, "/discussions/bikes/polls", "mayor", ballot)
    assert made.status_code == 201 and made.json()["tally"] is None
    poll = made.json()["id"]
    votes = "/polls/{id}/votes"

    unknown = await call(votes, f"/polls/{poll}/votes", "alice", {"choices": [3]})
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "unknown_option"
    two = await call(votes, f"/polls/{poll}/votes", "alice", {"choices": [0, 1]})
    assert two.json()["error"]["code"] == "one_choice_only"

    voted = await call(votes, f"/polls/{poll}/votes", "alice", {"choices": [1]})
    assert voted.status_code == 200 and voted.json()["my_choices"] == [1]
    assert voted.json()["tally"]["members"] == [0, 1, 0]
    again = await call(votes, f"/polls/{poll}/votes", "alice", {"choices": [0]})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_voted"
    unseen = await call("/polls/{id}", f"/polls/{poll}", "bob")
    assert unseen.json()["tally"] is None  # bob has not voted

    closed = await call("/polls/{id}/close", f"/polls/{poll}/close", "mayor", {})
    assert closed.json()["state"] == "closed" and closed.json()["tally"]["total"] == [0, 1, 0]
    late = await call(votes, f"/polls/{poll}/votes", "bob", {"choices": [0]})
    assert late.status_code == 409 and late.json()["error"]["code"] == "poll_closed"
    listed = await call(polls_path, "/discussions/bikes/polls", "bob")
    assert listed.json()[0]["tally"]["member_voters"] == 1

    written = city.app.state.city.db.read_sync(
        lambda s: s.scalar(select(func.count()).select_from(PollVote))
    )
    assert written == 1
