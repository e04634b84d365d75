"""`/api/v1/polls/{id}`: a consultation (a poll attached to a discussion space) as Mastodon's
Poll entity, and voting in it (`POST .../votes`, `choices[]` = the options' indexes), so a
Mastodon app can show and answer our polls.

Kept apart from the status endpoints on purpose: a poll here belongs to a discussion space,
not to a status (a thread's status shows its space's newest poll: entities.py), and the
same use case as the pages
and the Comptoir API votes (services.polls). The counts are null while the caller may not
see them (staff chose results at the close, or the caller has not voted), as Mastodon hides
a poll's totals.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import polls
from exchange.errors import DomainError
from instance.city import city_of
from models import Member, Poll
from outbox import render
from services import polls as consultations

from .common import body, mastodon_errors, member_viewer, optional_viewer


def poll_entity(session: Session, poll: Poll, member: Member | None) -> dict[str, Any]:
    chosen = polls.choices_of(session, poll, member) if member is not None else []
    tally = polls.tally(session, poll)
    shown = polls.results_visible(poll, bool(chosen))
    return {
        "id": poll.public_id,
        "expires_at": render.iso(poll.closes_at),
        "expired": not polls.accepts_votes(poll),
        "multiple": poll.multiple,
        "votes_count": sum(tally.total) if shown else None,
        "voters_count": tally.voters if shown else None,
        "options": [
            {"title": label, "votes_count": tally.total[i] if shown else None}
            for i, label in enumerate(poll.options)
        ],
        "emojis": [],
        "voted": bool(chosen) if member is not None else None,
        "own_votes": chosen if member is not None else None,
    }


def _poll(session: Session, poll_id: str) -> Poll:
    """By the poll's public id: the same id as in the Comptoir API (Mastodon apps treat ids
    as opaque strings)."""
    return polls.find(session, poll_id)


@mastodon_errors
async def show(request: Request) -> Response:
    viewer = await optional_viewer(request, "read:statuses")
    city = city_of(request)
    return JSONResponse(
        await city.db.read(
            lambda s: poll_entity(s, _poll(s, request.path_params["id"]), viewer.member)
        )
    )


@mastodon_errors
async def vote(request: Request) -> Response:
    member, _ = await member_viewer(request, "write:statuses")
    city = city_of(request)
    raw = (await body(request)).get("choices", [])
    if not raw or any(not (v.isascii() and v.isdigit()) for v in raw):
        raise DomainError("unknown_option", "choices are the options' indexes, from 0", 400)
    choices = [int(v) for v in raw]

    def work(session: Session) -> dict[str, Any]:
        voter = session.get_one(Member, member.id)
        poll = _poll(session, request.path_params["id"])
        consultations.vote(session, city, voter, poll.public_id, choices)
        return poll_entity(session, poll, voter)

    return JSONResponse(await city.db.write(work))


def routes() -> list[Route]:
    return [
        Route("/api/v1/polls/{id}", show, methods=["GET"]),
        Route("/api/v1/polls/{id}/votes", vote, methods=["POST"]),
    ]
