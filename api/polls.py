"""Consultations through the API: staff attach a poll to a discussion space and may close it
early; members read polls and vote once. The tally is in the answer only when the member may
see it (after their vote, or at the close, as staff chose). The OpenAPI description is
`polls_spec.SECTION`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import discussions, polls
from exchange.errors import DomainError
from exchange.polls import PollDraft
from instance.city import City, city_of
from models import Member, Poll, PollResults
from outbox import render
from services import polls as consultations

from .auth import authenticated
from .discussions import time_field
from .params import field, json_body


def render_poll(session: Session, city: City, poll: Poll, member: Member) -> dict[str, Any]:
    chosen = polls.choices_of(session, poll, member)
    tally = polls.tally(session, poll) if polls.results_visible(poll, bool(chosen)) else None
    return {
        "id": poll.public_id,
        "uri": poll.uri,
        "space": polls.space_of(session, poll).slug,
        "question": poll.question,
        "options": list(poll.options),
        "multiple": poll.multiple,
        "remote_votes": poll.remote_votes,
        "results": poll.results.value,
        "state": poll.state.value,
        "accepts_votes": polls.accepts_votes(poll),
        "closes_at": render.iso(poll.closes_at),
        "closed_at": render.iso(poll.closed_at) if poll.closed_at else None,
        "my_choices": chosen,
        "tally": None
        if tally is None
        else {
            "members": tally.members,
            "remote": tally.remote,
            "total": tally.total,
            "member_voters": tally.member_voters,
            "remote_voters": tally.remote_voters,
        },
    }


async def list_polls(request: Request) -> Response:
    member = await authenticated(request)
    city = city_of(request)

    def read(session: Session) -> list[dict[str, Any]]:
        space = discussions.find_space(session, request.path_params["slug"])
        return [render_poll(session, city, p, member) for p in polls.of_space(session, space)]

    return JSONResponse(await city.db.read(read))


async def attach(request: Request) -> Response:
    member = await authenticated(request)
    body = await json_body(
        request, {"question", "options", "closes_at", "multiple", "remote_votes", "results"}
    )
    city = city_of(request)
    options = field(body, "options", list)
    if not all(isinstance(o, str) for o in options):
        raise DomainError("invalid_options", "options are strings", 400)
    results = field(body, "results", str, required=False) or PollResults.after_vote.value
    if results not in PollResults.__members__:
        raise DomainError("invalid_results", "results is after_vote or at_close", 400)
    closes_at = time_field(field(body, "closes_at", str), "closes_at")
    assert closes_at is not None
    draft = PollDraft(
        question=field(body, "question", str),
        options=options,
        closes_at=closes_at,
        multiple=bool(field(body, "multiple", bool, required=False)),
        remote_votes=bool(field(body, "remote_votes", bool, required=False)),
        results=PollResults(results),
    )
    slug = request.path_params["slug"]

    def work(session: Session) -> dict[str, Any]:
        by = session.get_one(Member, member.id)
        return render_poll(session, city, consultations.attach(session, city, by, slug, draft), by)

    return JSONResponse(await city.db.write(work), status_code=201)


async def get_poll(request: Request) -> Response:
    member = await authenticated(request)
    city = city_of(request)
    return JSONResponse(
        await city.db.read(
            lambda s: render_poll(s, city, polls.find(s, request.path_params["id"]), member)
        )
    )


async def vote(request: Request) -> Response:
    member = await authenticated(request)
    body = await json_body(request, {"choices"})
    city = city_of(request)
    choices = field(body, "choices", list)
    if not all(isinstance(c, int) and not isinstance(c, bool) for c in choices):
        raise DomainError("unknown_option", "choices are the options' indexes (from 0)", 400)

    def work(session: Session) -> dict[str, Any]:
        voter = session.get_one(Member, member.id)
        poll = consultations.vote(session, city, voter, request.path_params["id"], choices)
        return render_poll(session, city, poll, voter)

    return JSONResponse(await city.db.write(work))


async def close(request: Request) -> Response:
    member = await authenticated(request)
    city = city_of(request)

    def work(session: Session) -> dict[str, Any]:
        by = session.get_one(Member, member.id)
        poll = consultations.close(session, city, by, request.path_params["id"])
        return render_poll(session, city, poll, by)

    return JSONResponse(await city.db.write(work))


ROUTES = [
    Route("/discussions/{slug}/polls", list_polls, methods=["GET"]),
    Route("/discussions/{slug}/polls", attach, methods=["POST"]),
    Route("/polls/{id}", get_poll, methods=["GET"]),
    Route("/polls/{id}/votes", vote, methods=["POST"]),
    Route("/polls/{id}/close", close, methods=["POST"]),
]
