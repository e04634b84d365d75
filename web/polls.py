"""Consultations on the space's page: staff attach a poll and may close it early, members vote.

Plain forms posting back with the session's CSRF token. A refused vote or poll comes back on
the space's page with the refusal beside the form, in the member's language (web/refusal.py,
web/messages.py), and nothing written.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from exchange import polls
from exchange.errors import DomainError, NotFound
from exchange.polls import PollDraft
from instance.city import city_of
from instance.content_negotiation import negotiated
from models import PollResults
from outbox import poll_documents
from services import polls as consultations

from .csrf import checked_form
from .discussions import space_page, staff
from .market import signed_in
from .refusal import refusal

POST = ["POST"]


def _closes_at(value: object) -> datetime:
    """The closing moment typed in the form (`datetime-local`, or a day: its end), in UTC."""
    text = str(value or "").strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise DomainError(
            "invalid_poll_close", "the closing time must be like 2026-12-24T18:00", 400
        ) from None
    if len(text) == 10:
        moment += timedelta(days=1)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


async def attach(request: Request) -> Response:
    who = await staff(request)
    form = await checked_form(request)
    city = city_of(request)
    slug = request.path_params["slug"]
    try:
        draft = PollDraft(
            question=str(form.get("question", "")),
            options=str(form.get("options", "")).splitlines(),
            closes_at=_closes_at(form.get("closes_at")),
            multiple=form.get("multiple") == "on",
            remote_votes=form.get("remote_votes") == "on",
            results=PollResults.at_close
            if form.get("results") == "at_close"
            else PollResults.after_vote,
        )
        poll = await city.db.write(lambda s: consultations.attach(s, city, who, slug, draft))
    except DomainError as exc:
        if exc.status == 404:
            raise HTTPException(404, exc.message) from None
        return await space_page(request, refusal("poll", form, exc))
    return RedirectResponse(f"/discussions/{slug}#poll-{poll.public_id}", 303)


def _slug_of(session: Session, public_id: str) -> str:
    return polls.space_of(session, polls.find(session, public_id)).slug


async def _slug(request: Request, public_id: str) -> str:
    try:
        slug: str = await city_of(request).db.read(lambda s: _slug_of(s, public_id))
    except NotFound:
        raise HTTPException(404, "No such poll.") from None
    return slug


async def vote(request: Request) -> Response:
    who = await signed_in(request)
    form = await checked_form(request)
    city = city_of(request)
    public_id = request.path_params["public_id"]
    slug = await _slug(request, public_id)
    raw = [str(v) for v in form.getlist("choice")]
    try:
        if any(not v.isdigit() for v in raw):
            raise DomainError("unknown_option", "This poll has no such option.", 400)
        choices = [int(v) for v in raw]
        await city.db.write(lambda s: consultations.vote(s, city, who, public_id, choices))
    except DomainError as exc:
        request.path_params["slug"] = slug
        return await space_page(request, refusal(f"vote-{public_id}", form, exc))
    return RedirectResponse(f"/discussions/{slug}#poll-{public_id}", 303)


async def close(request: Request) -> Response:
    who = await staff(request)
    form = await checked_form(request)
    city = city_of(request)
    public_id = request.path_params["public_id"]
    slug = await _slug(request, public_id)
    try:
        await city.db.write(lambda s: consultations.close(s, city, who, public_id))
    except DomainError as exc:
        request.path_params["slug"] = slug
        return await space_page(request, refusal(f"vote-{public_id}", form, exc))
    return RedirectResponse(f"/discussions/{slug}#poll-{public_id}", 303)


async def poll_page(request: Request) -> Response:
    """A poll's id in a browser: its space's page, at the poll."""
    public_id = request.path_params["public_id"]
    slug = await _slug(request, public_id)
    return RedirectResponse(f"/discussions/{slug}#poll-{public_id}", 302)


def routes() -> list[BaseRoute]:
    return [
        Route("/discussions/{slug}/polls", attach, methods=POST),
        Route("/polls/{public_id}", negotiated(poll_documents.question_document, poll_page)),
        Route("/polls/{public_id}/vote", vote, methods=POST),
        Route("/polls/{public_id}/close", close, methods=POST),
    ]
