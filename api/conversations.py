"""A member's direct conversations with remote accounts over JSON: list them, read one,
answer it. A conversation's id is the remote account's row id here; the messages are the
direct notes between the two (exchange/direct_messages.py). Described in
`conversations_spec.SECTION`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import direct_messages, listings
from exchange.errors import NotFound
from instance.city import city_of
from models import Member, Note, RemoteActor
from outbox import render
from services import remote_negotiation, social

from .auth import authenticated
from .params import field, json_body


def _conversation_id(request: Request) -> int:
    raw = request.path_params["id"]
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise NotFound("conversation")
    return int(raw)


def _account(actor: RemoteActor) -> dict[str, Any]:
    return {"account": f"@{actor.handle}", "actor": actor.uri, "name": actor.name}


def render_message(note: Note, inbound: bool) -> dict[str, Any]:
    return {
        "uri": note.uri,
        "content": note.content,
        "inbound": inbound,
        "published": render.iso(note.published),
    }


async def list_conversations(request: Request) -> Response:
    member = await authenticated(request)
    city = city_of(request)

    def read(session: Session) -> list[dict[str, Any]]:
        return [
            {
                "id": str(found.actor.id),
                **_account(found.actor),
                "messages": found.count,
                "last": render_message(found.last, found.last_inbound),
            }
            for found in direct_messages.conversations(session, member)
        ]

    return JSONResponse(await city.db.read(read))


async def get_conversation(request: Request) -> Response:
    member = await authenticated(request)
    city = city_of(request)
    actor_id = _conversation_id(request)

    def read(session: Session) -> dict[str, Any]:
        actor, messages = direct_messages.conversation(session, member, actor_id)
        return {
            "id": str(actor.id),
            **_account(actor),
            "messages": [render_message(note, inbound) for note, inbound in messages],
        }

    return JSONResponse(await city.db.read(read))


async def write_message(request: Request) -> Response:
    member = await authenticated(request)
    body = await json_body(request, {"text"})
    city = city_of(request)
    actor_id = _conversation_id(request)
    text = field(body, "text", str)

    def work(session: Session) -> dict[str, Any]:
        author = session.get_one(Member, member.id)
        note = social.write_direct(session, city, author, actor_id, text)
        return render_message(note, False)

    return JSONResponse(await city.db.write(work), status_code=201)


async def negotiate(request: Request) -> Response:
    """Turn the conversation's latest message naming one of my listings into a negotiation."""
    member = await authenticated(request)
    body = await json_body(request, {"listing"})
    city = city_of(request)
    actor_id = _conversation_id(request)
    public_id = field(body, "listing", str)

    def work(session: Session) -> dict[str, Any]:
        seller = session.get_one(Member, member.id)
        listing = listings.find(session, public_id)
        thread = remote_negotiation.from_direct_message(session, city, seller, actor_id, listing)
        return {"negotiation": thread.public_id, "listing": listing.public_id}

    return JSONResponse(await city.db.write(work), status_code=201)


ROUTES = [
    Route("/conversations", list_conversations, methods=["GET"]),
    Route("/conversations/{id}", get_conversation, methods=["GET"]),
    Route("/conversations/{id}/messages", write_message, methods=["POST"]),
    Route("/conversations/{id}/negotiation", negotiate, methods=["POST"]),
]
