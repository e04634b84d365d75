"""`/api/v1/conversations`: the member's negotiations and direct messages as Mastodon's
direct conversations.

Two kinds of conversation, one list, newest activity first:
- each negotiation thread, with the counterpart (a member of this city or a remote account);
  its statuses are the offers, counter-offers and messages (`thread_statuses.py`), the last
  of which is `last_status`; its id is the thread's;
- the member's direct messages with one remote account, or with one other member, outside
  negotiations (exchange/direct_conversations.py), whose `last_status` is the latest direct
  note (a real status); its id is `DIRECT_BASE +` the account's row id, or `PEER_BASE +`
  the member's.
`unread` is true when the other party said something after the member last read it
(`POST .../read`, or writing in it); `DELETE` takes it out of the list until something
newer happens in it. Neither touches the negotiation nor the messages. Paged by
conversation id with a `Link` header: a page bound is read as its conversation's place in
the list (activity time, kind, id), so the two kinds page together without loss or repeat.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import direct_conversations, statuses
from exchange import negotiation_conversations as conversations
from exchange.direct_conversations import DirectConversation, Party
from exchange.errors import DomainError, NotFound
from exchange.negotiation_conversations import Anchor, Conversation
from exchange.statuses import DEFAULT_LIMIT, MAX_LIMIT
from instance.city import City, city_of
from models import DirectMessage, Member, Negotiation, RemoteActor

from . import entities, thread_statuses
from .common import mastodon_errors, member_viewer, paged_response

#: ids of direct-message conversations, past any thread id: with a remote account (its row
#: id added), with a member (theirs added)
DIRECT_BASE = 5 * 10**17
PEER_BASE = 4 * 10**17
SPAN = 10**17
#: a direct conversation's rank in the list's order (a negotiation's is 0)
DIRECT_RANK, PEER_RANK = 1, 2

Found = Conversation | DirectConversation


def _party(value: int) -> Party | None:
    """The other party of a direct conversation id; None for a thread id."""
    if DIRECT_BASE < value < DIRECT_BASE + SPAN:
        return Party(actor_id=value - DIRECT_BASE)
    if PEER_BASE < value < PEER_BASE + SPAN:
        return Party(member_id=value - PEER_BASE)
    return None


def _raw_id(value: str) -> int:
    if not value.isdigit() or len(value) > 18:
        raise NotFound("record")
    return int(value)


def _place(found: Found) -> Anchor:
    if isinstance(found, DirectConversation):
        rank = DIRECT_RANK if isinstance(found.who, RemoteActor) else PEER_RANK
        return Anchor(found.last_at, rank, found.who.id)
    return conversations.anchor(found.negotiation)


def _key(anchor: Anchor) -> tuple[Any, int, int]:
    return (anchor.at, anchor.rank, anchor.id)


def _id(found: Found) -> int:
    if isinstance(found, DirectConversation):
        base = DIRECT_BASE if isinstance(found.who, RemoteActor) else PEER_BASE
        return base + found.who.id
    return found.negotiation.id


def _bound(session: Session, member: Member, name: str, request: Request) -> Anchor | None:
    """The place of the conversation a paging parameter names (None: absent or unknown)."""
    raw = request.query_params.get(name)
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise DomainError("invalid_parameter", f"{name} must be a conversation id", 400)
    party = _party(int(raw))
    if party is not None:
        found = direct_conversations.of_member(session, member, party)
        return _place(found[0]) if found else None
    if int(raw) > 2**31 - 1:
        return None
    negotiation = session.get(Negotiation, int(raw))
    return conversations.anchor(negotiation) if negotiation is not None else None


def _render(session: Session, city: City, member: Member, found: Found) -> dict[str, Any]:
    if isinstance(found, Conversation):
        return thread_statuses.conversation(session, city, found)
    last = entities.statuses(session, city, [statuses.id_of_note(session, found.last.id)], member)
    return {
        "id": str(_id(found)),
        "unread": found.unread,
        "accounts": [entities.account(city, found.who)],
        "last_status": last[0] if last else None,
    }


def latest_message(session: Session) -> int:
    """The newest direct message's row id (the streaming API sends what comes after it)."""
    return session.scalar(select(func.max(DirectMessage.id))) or 0


def changed_since(
    session: Session, city: City, member: Member, after: int
) -> tuple[list[dict[str, Any]], int]:
    """The member's direct conversations that got a message after row `after`, as
    Conversation entities (the `direct` stream's `conversation` events), and the newest row
    id seen."""
    rows = session.execute(
        select(DirectMessage.id, DirectMessage.remote_actor_id, DirectMessage.peer_member_id)
        .where(DirectMessage.member_id == member.id, DirectMessage.id > after)
        .order_by(DirectMessage.id)
        .limit(MAX_LIMIT)
    ).all()
    parties = dict.fromkeys(Party(actor_id=a, member_id=m) for _, a, m in rows)
    shown: list[dict[str, Any]] = []
    for party in parties:
        found = direct_conversations.of_member(session, member, party)
        if found:
            shown.append(_render(session, city, member, found[0]))
    return shown, rows[-1][0] if rows else after


def threads_active_since(
    session: Session, city: City, member: Member, after: datetime
) -> tuple[list[dict[str, Any]], datetime]:
    """The member's negotiation threads that moved after `after` (an offer, an answer, a
    message), as Conversation entities for the `direct` stream, and the latest move seen."""
    found = conversations.active_since(session, member, after)
    shown = [thread_statuses.conversation(session, city, c) for c in found]
    return shown, found[-1].negotiation.updated_at if found else after


def thread_activity_start(session: Session, member: Member) -> datetime:
    """Where a new `direct` stream starts: after the member's latest thread activity."""
    return conversations.latest_activity(session, member) or datetime.min.replace(tzinfo=UTC)


@mastodon_errors
async def index(request: Request) -> Response:
    member, _ = await member_viewer(request, "read:statuses")
    city = city_of(request)
    raw = request.query_params.get("limit", "")
    limit = max(1, min(int(raw) if raw.isdigit() else DEFAULT_LIMIT, MAX_LIMIT))

    def read(session: Session) -> tuple[list[dict[str, Any]], list[int]]:
        older = _bound(session, member, "max_id", request)
        newer = _bound(session, member, "since_id", request)
        above = _bound(session, member, "min_id", request)
        found: list[Found] = list(
            conversations.page_between(
                session, member, limit, older_than=older, newer_than=newer, just_above=above
            )
        )
        for direct in direct_conversations.of_member(session, member):
            key = _key(_place(direct))
            if direct.removed:
                continue
            if older is not None and not key < _key(older):
                continue
            if newer is not None and not key > _key(newer):
                continue
            if above is not None and not key > _key(above):
                continue
            found.append(direct)
        found.sort(key=lambda f: _key(_place(f)), reverse=True)
        found = found[-limit:] if above is not None else found[:limit]
        return [_render(session, city, member, f) for f in found], [_id(f) for f in found]

    items, ids = await city.db.read(read)
    return paged_response(request, items, ids)


@mastodon_errors
async def remove(request: Request) -> Response:
    member, _ = await member_viewer(request, "write:conversations")
    value = _raw_id(request.path_params["id"])

    def write(session: Session) -> None:
        party = _party(value)
        if party is not None:
            direct_conversations.remove(
                session, member, direct_conversations.find(session, member, party)
            )
        else:
            negotiation = conversations.find(session, member, min(value, 2**31 - 1))
            conversations.remove(session, member, negotiation)

    await city_of(request).db.write(write)
    return JSONResponse({})


@mastodon_errors
async def mark_read(request: Request) -> Response:
    member, _ = await member_viewer(request, "write:conversations")
    city = city_of(request)
    value = _raw_id(request.path_params["id"])

    def write(session: Session) -> dict[str, Any]:
        party = _party(value)
        if party is not None:
            found = direct_conversations.find(session, member, party)
            return _render(
                session, city, member, direct_conversations.mark_read(session, member, found)
            )
        negotiation = conversations.find(session, member, min(value, 2**31 - 1))
        conversations.mark_read(session, member, negotiation)
        found_thread = conversations.conversation(session, member, negotiation)
        return thread_statuses.conversation(session, city, found_thread)

    return JSONResponse(await city.db.write(write))


def routes() -> list[Route]:
    return [
        Route("/api/v1/conversations", index, methods=["GET"]),
        Route("/api/v1/conversations/{id}", remove, methods=["DELETE"]),
        Route("/api/v1/conversations/{id}/read", mark_read, methods=["POST"]),
    ]
