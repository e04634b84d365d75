"""Direct-message pages: my conversations with remote accounts, one conversation, the answer
form. A refused answer shows the page again with the text kept (web/refusal.py).
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from exchange import direct_messages
from exchange.errors import DomainError, NotFound
from instance.city import city_of
from models import Member, Note, RemoteActor
from services import social

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

    def read(session: Session) -> tuple[RemoteActor, list[tuple[Note, bool]]]:
        return direct_messages.conversation(session, who, actor_id)

    actor, messages = await city_of(request).db.read(read)
    return await render(
        request,
        "conversations/show.html",
        status=refused.status,
        actor=actor,
        messages=messages,
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


def routes() -> list[BaseRoute]:
    return [
        Route("/conversations", conversations_page),
        Route("/conversations/{id}", conversation_page, methods=["GET"]),
        Route("/conversations/{id}", answer, methods=["POST"]),
    ]
