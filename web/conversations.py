"""Direct-message pages: my conversations with remote accounts, one conversation, the answer
form. A refused answer shows the page again with the text kept (web/refusal.py).
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from exchange import direct_messages, listings
from exchange.errors import DomainError, NotFound
from instance.city import city_of
from models import Listing, Member, Note, RemoteActor
from services import remote_negotiation, social

from .csrf import checked_form
from .market import signed_in
from .pages import render
from .refusal import NONE, Refusal, refusal


def _actor_id(request: Request) -> int:
    raw = request.path_params["id"]
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise NotFound("conversation")
    return int(raw)


async def conversations_page(request: Request) -> Response:
    who = await signed_in(request)
    found = await city_of(request).db.read(lambda s: direct_messages.conversations(s, who))
    return await render(request, "conversations/index.html", conversations=found, member=who)


async def conversation_page(request: Request, refused: Refusal = NONE) -> Response:
    who = await signed_in(request)
    actor_id = _actor_id(request)

    city = city_of(request)

    def read(
        session: Session,
    ) -> tuple[RemoteActor, list[tuple[Note, bool]], dict[int, list[Listing]]]:
        actor, messages = direct_messages.conversation(session, who, actor_id)
        inbound = [note for note, was_inbound in messages if was_inbound]
        named = direct_messages.named_listings(session, who, inbound, city.urls.listing)
        return actor, messages, named

    actor, messages, named = await city.db.read(read)
    return await render(
        request,
        "conversations/show.html",
        status=refused.status,
        actor=actor,
        messages=messages,
        named=named,
        refused=refused,
        member=who,
    )


async def answer(request: Request) -> Response:
    who = await signed_in(request)
    form = await checked_form(request)
    city = city_of(request)
    actor_id = _actor_id(request)
    text = str(form.get("text", ""))

    def work(session: Session) -> None:
        social.write_direct(session, city, session.get_one(Member, who.id), actor_id, text)

    try:
        await city.db.write(work)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return await conversation_page(request, refusal("message", form, exc))
    return RedirectResponse(f"/conversations/{actor_id}", 303)


async def negotiate(request: Request) -> Response:
    """The button beside a message that links one of my listings: a negotiation about it."""
    who = await signed_in(request)
    form = await checked_form(request)
    city = city_of(request)
    actor_id = _actor_id(request)

    def work(session: Session) -> str:
        listing = listings.find(session, str(form.get("listing", "")))
        seller = session.get_one(Member, who.id)
        thread = remote_negotiation.from_direct_message(session, city, seller, actor_id, listing)
        return thread.public_id

    try:
        public_id = await city.db.write(work)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return await conversation_page(request, refusal("negotiate", form, exc))
    return RedirectResponse(f"/negotiations/{public_id}", 303)


def routes() -> list[BaseRoute]:
    return [
        Route("/conversations", conversations_page),
        Route("/conversations/{id}", conversation_page, methods=["GET"]),
        Route("/conversations/{id}", answer, methods=["POST"]),
        Route("/conversations/{id}/negotiation", negotiate, methods=["POST"]),
    ]
