"""Negotiations over JSON: open one with an offer, counter, accept, reject, withdraw, write.

A member sees the threads they take part in. Prices are decimal strings in the seller's
currency; an offer in another currency also shows what the caller would pay under the active
exchange rule (`converted`, a quote). Across cities the same thread has the same offer and
agreement `uri`s on both sides.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import (
    agreements,
    delivery_failures,
    listings,
    negotiations,
    offers,
    rates,
    rule_terms,
    settlements,
)
from exchange.errors import DomainError
from exchange.negotiations import Party, Thread
from instance.city import City, city_of
from instance.html import text_to_html
from models import Agreement, AgreementState, ExchangeRule, Listing, Member, Side, utcnow
from services import negotiations as outgoing
from services import settlement_payer as paying

from .auth import authenticated
from .market import domain_of, moment, money, optional_body
from .params import cursor, field, json_body, page_limit
from .settlements import settlement_json

TERMS = {"quantity", "price", "goods", "message", "expires_at"}


def _party(city: City, who: Party) -> dict[str, Any]:
    if who.member is not None:
        return {
            "handle": f"{who.member.username}@{city.settings.domain}",
            "uri": city.urls.member(who.member.username),
            "local": True,
        }
    assert who.actor is not None
    return {"handle": who.actor.handle, "uri": who.actor.uri, "local": False}


def quote_json(session: Session, agreement: Agreement, listing: Listing) -> dict[str, Any] | None:
    """The quote a cross-city agreement fixed: the rule version and both amounts, never
    recomputed (exchange/agreement_quotes.py)."""
    if agreement.rule_id is None or agreement.buyer_amount is None:
        return None
    rule = session.get(ExchangeRule, agreement.rule_id)
    assert rule is not None and agreement.buyer_currency is not None
    buyer_scale = rule_terms.scale_of(rule, agreement.buyer_currency)
    return {
        "rule": rule.uri,
        "rule_version": rule.version,
        "rule_hash": rule.hash,
        "seller_amount": money(agreement.amount, agreement.currency, listing.scale),
        "buyer_amount": money(agreement.buyer_amount, agreement.buyer_currency, buyer_scale),
    }


def thread_json(session: Session, city: City, thread: Thread, side: Side) -> dict[str, Any]:
    listing, negotiation = thread.listing, thread.negotiation
    currency = city.settings.currency
    uris = {o.id: o.uri for o in thread.offers}

    def converted(amount: int | None) -> dict[str, str] | None:
        if amount is None:
            return None
        quote = rates.quote(
            session, amount, listing.currency, currency.code, domain=domain_of(listing)
        )
        return (
            None
            if quote is None
            else {
                **(money(quote.amount, quote.currency, currency.scale) or {}),
                "rate": f"{quote.num}/{quote.den}",
            }
        )

    agreement = thread.agreement
    undelivered = delivery_failures.about(
        session,
        [o.uri for o in thread.offers]
        + [m.uri for m in thread.messages]
        + ([agreement.accept_uri] if agreement is not None else []),
    )

    def failure(uri: str) -> dict[str, str] | None:
        found = undelivered.get(uri)
        return found.as_json() if found is not None else None

    first = next(iter(undelivered.values()), None)
    tried = settlements.attempts(session, agreement.id) if agreement is not None else []
    settlement = tried[-1] if tried else None
    return {
        "id": negotiation.public_id,
        "context": negotiation.context,
        "kind": negotiation.kind.value,
        "state": negotiation.state.value,
        "role": side.value,
        "listing": {
            "id": listing.public_id,
            "uri": listing.uri,
            "title": listing.title,
            "city": listing.origin,
            "state": listing.state.value,
            "quantity": listing.quantity,
        },
        "buyer": _party(city, thread.buyer),
        "seller": _party(city, thread.seller),
        "offers": [
            {
                "id": o.public_id,
                "uri": o.uri,
                "proposer": o.proposer.value,
                "state": o.state.value,
                "quantity": o.quantity,
                "price": money(o.price, listing.currency, listing.scale),
                "converted": converted(o.price),
                "goods": o.goods,
                "message": o.message,
                "expires_at": o.expires_at.isoformat(),
                "in_reply_to": uris.get(o.in_reply_to_id) if o.in_reply_to_id else None,
                "created_at": o.created_at.isoformat(),
                "answer_reason": o.answer_reason,
                "undelivered": failure(o.uri),
            }
            for o in thread.offers
        ],
        "messages": [
            {
                "uri": m.uri,
                "author": m.author.value,
                "content": m.content,
                "created_at": m.created_at.isoformat(),
                "undelivered": failure(m.uri),
            }
            for m in thread.messages
        ],
        "agreement": None
        if agreement is None
        else {
            "id": agreement.public_id,
            "uri": agreement.uri,
            "state": agreement.state.value,
            "quantity": agreement.quantity,
            "amount": money(agreement.amount, agreement.currency, listing.scale),
            "goods": agreement.goods,
            "created_at": agreement.created_at.isoformat(),
            "quote": quote_json(session, agreement, listing),
            "transfer": agreements.transfer_id(agreement)
            if agreement.state is AgreementState.paid and settlement is None
            else None,
            "undelivered": failure(agreement.accept_uri),
            "settlement": settlement_json(settlement) if settlement is not None else None,
        },
        "undelivered": first.as_json() if first is not None else None,
    }


def _terms(body: dict[str, Any], listing: Any) -> offers.Terms:
    quantity = field(body, "quantity", int, required=False)
    price = field(body, "price", (str, type(None)), required=False)
    goods = field(body, "goods", str, required=False) or ""
    message = field(body, "message", str, required=False) or ""
    if len(message) > negotiations.MAX_MESSAGE:
        raise DomainError(
            "too_long", f"a message is at most {negotiations.MAX_MESSAGE} characters", 400
        )
    return offers.check_terms(
        listing,
        quantity=1 if quantity is None else quantity,
        price=price,
        goods=goods,
        message=text_to_html(message) if message.strip() else "",
        expires_at=moment(body, "expires_at"),
        now=utcnow(),
    )


async def open_negotiation(request: Request) -> Response:
    who = await authenticated(request)
    city = city_of(request)
    body = await optional_body(request, TERMS)
    public_id = request.path_params["id"]

    def write(session: Session) -> dict[str, Any]:
        listing = listings.find(session, public_id)
        negotiation, _ = outgoing.make_offer(session, city, who, listing, _terms(body, listing))
        return thread_json(session, city, negotiations.thread(session, negotiation), Side.buyer)

    answer = await city.db.write(write)
    return JSONResponse(answer, status_code=201)


async def list_negotiations(request: Request) -> Response:
    who = await authenticated(request)
    city = city_of(request)
    limit, before = page_limit(request), cursor(request)

    def read(session: Session) -> dict[str, Any]:
        rows = negotiations.threads_of(session, who, limit=limit + 1, before=before)
        page = rows[:limit]
        return {
            "negotiations": [
                thread_json(
                    session,
                    city,
                    negotiations.thread(session, n),
                    negotiations.side_of_member(n, who) or Side.buyer,
                )
                for n in page
            ],
            "next_cursor": str(page[-1].id) if len(rows) > limit else None,
        }

    return JSONResponse(await city.db.read(read))


async def get_negotiation(request: Request) -> Response:
    who = await authenticated(request)
    city = city_of(request)
    public_id = request.path_params["id"]

    def read(session: Session) -> dict[str, Any]:
        negotiation, side = negotiations.of_member(session, who, public_id)
        return thread_json(session, city, negotiations.thread(session, negotiation), side)

    return JSONResponse(await city.db.read(read))


async def _in_thread(
    request: Request, who: Member, body: dict[str, Any], action: Any, status: int = 200
) -> Response:
    city = city_of(request)
    public_id = request.path_params["id"]

    def write(session: Session) -> dict[str, Any]:
        negotiation, side = negotiations.of_member(session, who, public_id)
        action(session, city, negotiation)
        return thread_json(session, city, negotiations.thread(session, negotiation), side)

    answer = await city.db.write(write)
    return JSONResponse(answer, status_code=status)


async def counter_offer(request: Request) -> Response:
    who = await authenticated(request)
    body = await json_body(request, TERMS | {"in_reply_to"})
    replied = field(body, "in_reply_to", str, required=False)

    def action(session: Session, city: City, negotiation: Any) -> None:
        listing = session.get(Listing, negotiation.listing_id)
        answered = (
            offers.by_public_id(session, negotiation, replied)
            if replied
            else offers.open_offer(session, negotiation)
        )
        outgoing.counter(session, city, who, negotiation, _terms(body, listing), answered)

    return await _in_thread(request, who, body, action, 201)


def _on_offer(verb: str) -> Any:
    async def endpoint(request: Request) -> Response:
        who = await authenticated(request)
        body = await optional_body(request, {"reason"} if verb == "reject" else set())
        reason = field(body, "reason", str, required=False) or ""
        offer_id = request.path_params["offer"]

        def action(session: Session, city: City, negotiation: Any) -> None:
            offer = offers.by_public_id(session, negotiation, offer_id)
            if verb == "accept":
                outgoing.accept(session, city, who, negotiation, offer)
            elif verb == "reject":
                outgoing.reject(session, city, who, negotiation, offer, reason)
            else:
                outgoing.withdraw(session, city, who, negotiation, offer)

        return await _in_thread(request, who, body, action)

    return endpoint


async def pay_agreement(request: Request) -> Response:
    """The paying party confirms the thread's agreement: the ledger moves the agreed amount."""
    who = await authenticated(request)
    body = await optional_body(request, set())

    city, public_id = city_of(request), request.path_params["id"]

    def action(session: Session, city: City, negotiation: Any) -> None:
        paying.pay(session, city, who, negotiation)

    if not wants_minimal(request):
        return await paying.paying_after_fetch(
            city, who, public_id, lambda: _in_thread(request, who, body, action)
        )

    def write(session: Session) -> dict[str, Any]:
        negotiation, _ = negotiations.of_member(session, who, public_id)
        payment = paying.pay(session, city, who, negotiation)
        agreement, row = payment.agreement, payment.settlement
        return {
            "id": negotiation.public_id,
            "agreement": {
                "id": agreement.public_id,
                "state": agreement.state.value,
                "transfer": agreements.transfer_id(agreement)
                if agreement.state is AgreementState.paid and row is None
                else None,
                "settlement": settlement_json(row) if row is not None else None,
            },
        }

    answer = await paying.paying_after_fetch(city, who, public_id, lambda: city.db.write(write))
    return JSONResponse(answer, headers={"Preference-Applied": "return=minimal"})


def wants_minimal(request: Request) -> bool:
    """`Prefer: return=minimal` (RFC 7240): the client needs the outcome, not the thread.

    Why: building the whole thread's JSON (offers with their conversions, messages, delivery
    failures) was a sixth of the payer city's CPU per settlement (docs/BENCHMARKS.md); a
    client that pays many agreements, or shows the thread again anyway, asks for less."""
    return any(
        part.strip().lower() == "return=minimal"
        for value in request.headers.getlist("prefer")
        for part in value.split(",")
    )


async def write_message(request: Request) -> Response:
    who = await authenticated(request)
    body = await json_body(request, {"text"})
    text = field(body, "text", str)

    def action(session: Session, city: City, negotiation: Any) -> None:
        outgoing.send_message(session, city, who, negotiation, text)

    return await _in_thread(request, who, body, action, 201)


ROUTES = [
    Route("/listings/{id}/negotiations", open_negotiation, methods=["POST"]),
    Route("/negotiations", list_negotiations, methods=["GET"]),
    Route("/negotiations/{id}", get_negotiation, methods=["GET"]),
    Route("/negotiations/{id}/offers", counter_offer, methods=["POST"]),
    Route("/negotiations/{id}/offers/{offer}/accept", _on_offer("accept"), methods=["POST"]),
    Route("/negotiations/{id}/offers/{offer}/reject", _on_offer("reject"), methods=["POST"]),
    Route("/negotiations/{id}/offers/{offer}/withdraw", _on_offer("withdraw"), methods=["POST"]),
    Route("/negotiations/{id}/messages", write_message, methods=["POST"]),
    Route("/negotiations/{id}/agreement/pay", pay_agreement, methods=["POST"]),
]
