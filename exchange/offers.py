"""Offers in a negotiation: propose, counter, accept, reject, withdraw, expire; and the threads
of a listing that ended, closed with their open offer.

The rules, the same for our members and for remote parties:
- a new offer supersedes every open offer of its thread (they become `countered`), so at
  most one offer is open and only that one, the latest, can be accepted;
- only the party that did not make an offer may accept or reject it; only its proposer may
  withdraw it; an offer past its expiry is accepted by nobody;
- accepting makes an Agreement and, when the listing is ours, takes the quantity from it
  (exchange.listings.take): the listing closes at zero.
Prices are totals for the quantity, in minor units of the SELLER's currency.

Local actions are `strict`: a member answers the offer they saw, and a stale answer (the
offer was superseded meanwhile) is refused with `offer_superseded`. A remote party's offer
may reply to an older one (messages cross on the wire); it still supersedes what is open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from instance import notification_texts
from instance.amounts import format_amount
from models import (
    Agreement,
    AgreementState,
    Listing,
    Negotiation,
    NegotiationState,
    NotificationKind,
    Offer,
    OfferState,
    Purpose,
    Side,
    utcnow,
)

from . import agreement_quotes, listings, negotiations
from .errors import DomainError
from .negotiations import other, party, tell
from .state_graph import StateGraph

DEFAULT_OFFER_DAYS = 7
MAX_OFFER_DAYS = 90
MAX_GOODS = 1000

S = OfferState
#: an open offer is superseded (countered), accepted, rejected, withdrawn or expires; an
#: acceptance the seller's city refused counts as superseded (exchange.agreements.cancel)
GRAPH = StateGraph(
    "offer",
    OfferState,
    {
        S.open: {S.countered, S.accepted, S.rejected, S.withdrawn, S.expired},
        S.accepted: {S.countered},
        S.countered: set(),
        S.rejected: set(),
        S.withdrawn: set(),
        S.expired: set(),
    },
)


@dataclass(frozen=True)
class Terms:
    quantity: int
    #: total for the quantity, minor units of the seller's currency
    price: int | None
    goods: str
    #: sanitized HTML
    message: str
    expires_at: datetime


def check_terms(
    listing: Listing,
    *,
    quantity: int,
    price: str | None,
    goods: str,
    message: str,
    expires_at: datetime | None,
    now: datetime,
) -> Terms:
    """A member's offer on `listing`, checked (message is sanitized HTML); DomainError (400)
    otherwise.
    """
    if not listing.is_open:
        raise DomainError(
            "listing_not_open",
            f"the listing is {listing.state.value}: it takes no offers",
            409,
            {"state": listing.state.value},
        )
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise DomainError("invalid_quantity", "quantity must be a whole number of at least 1", 400)
    if quantity > listing.quantity:
        raise DomainError(
            "not_enough_left",
            f"only {listing.quantity} left, {quantity} asked",
            409,
            {"left": listing.quantity, "asked": quantity},
        )
    amount = listings.parse_price(price, listing.scale)
    goods = (goods or "").strip()
    if len(goods) > MAX_GOODS:
        raise DomainError(
            "too_long",
            f"counter-goods are described in at most {MAX_GOODS} characters",
            400,
            {"limit": MAX_GOODS},
        )
    if listing.purpose is Purpose.gift and amount:
        raise DomainError("gift_with_price", "a gift asks for nothing in return", 400)
    if amount is None and not goods and listing.purpose is not Purpose.gift:
        if listing.price is None:
            raise DomainError(
                "price_or_goods", "this listing is open to proposals: offer a price or goods", 400
            )
        amount = listing.price * quantity
    moment = expires_at or now + timedelta(days=DEFAULT_OFFER_DAYS)
    if moment.tzinfo is None or moment <= now:
        raise DomainError("invalid_expiry", "an offer's expiry must be in the future", 400)
    if moment > now + timedelta(days=MAX_OFFER_DAYS):
        raise DomainError(
            "invalid_expiry", f"an offer stays open at most {MAX_OFFER_DAYS} days", 400
        )
    return Terms(quantity, amount, goods, message, moment)


def open_offer(session: Session, negotiation: Negotiation) -> Offer | None:
    return session.scalar(
        select(Offer)
        .where(Offer.negotiation_id == negotiation.id, Offer.state == OfferState.open)
        .order_by(Offer.id.desc())
        .limit(1)
    )


def latest_offer(session: Session, negotiation: Negotiation) -> Offer | None:
    return session.scalar(
        select(Offer)
        .where(Offer.negotiation_id == negotiation.id)
        .order_by(Offer.id.desc())
        .limit(1)
    )


def by_uri(session: Session, uri: str) -> Offer | None:
    return session.scalar(select(Offer).where(Offer.uri == uri))


def by_public_id(session: Session, negotiation: Negotiation, public_id: str) -> Offer:
    offer = session.scalar(
        select(Offer).where(Offer.public_id == public_id, Offer.negotiation_id == negotiation.id)
    )
    if offer is None:
        raise DomainError("not_found", f"offer {public_id!r} not found in this negotiation", 404)
    return offer


def terms_of(offer: Offer, listing: Listing) -> dict[str, Any]:
    """An offer's terms as a notification's parameter (instance.notification_texts)."""
    price = (
        notification_texts.amount(offer.price, listing.scale, listing.currency)
        if offer.price is not None
        else None
    )
    return notification_texts.terms(offer.quantity, listing.title, price, offer.goods)


def describe(offer: Offer, listing: Listing) -> str:
    what = f"{offer.quantity} × “{listing.title}”"
    if offer.price is not None:
        what += f" for {format_amount(offer.price, listing.scale)} {listing.currency}"
    if offer.goods:
        what += f" {'and' if offer.price else 'for'} {offer.goods}"
    return what


def _ongoing(negotiation: Negotiation) -> None:
    if negotiation.state is not NegotiationState.open:
        raise DomainError(
            "negotiation_ended",
            f"the negotiation is {negotiation.state.value}",
            409,
            {"state": negotiation.state.value},
        )


def _answerable(session: Session, offer: Offer, by: Side, now: datetime) -> None:
    """The offer is the open, latest one, made by the other party, and not past its expiry."""
    if offer.state is OfferState.countered:
        newest = latest_offer(session, session.get(Negotiation, offer.negotiation_id))  # type: ignore[arg-type]
        raise DomainError(
            "offer_superseded",
            "this offer was superseded by a newer one"
            + (f" ({newest.public_id}); answer that one" if newest is not None else ""),
            409,
        )
    if offer.state is not OfferState.open:
        raise DomainError(
            "offer_not_open", f"the offer is {offer.state.value}", 409, {"state": offer.state.value}
        )
    if offer.proposer is by:
        raise DomainError("own_offer", "an offer is answered by the other party", 409)
    if offer.expires_at <= now:
        raise DomainError("offer_expired", "the offer has expired", 409)


def propose(
    session: Session,
    negotiation: Negotiation,
    proposer: Side,
    terms: Terms,
    *,
    uri: str,
    public_id: str,
    in_reply_to: Offer | None = None,
    strict: bool = True,
    now: datetime | None = None,
) -> Offer:
    """Add an offer to the thread; it supersedes the open one (strict: it must answer that one)."""
    moment = now or utcnow()
    _ongoing(negotiation)
    listing = session.get(Listing, negotiation.listing_id)
    assert listing is not None
    if listing.is_local and not listing.is_open:
        raise DomainError(
            "listing_not_open",
            f"the listing is {listing.state.value}: it takes no offers",
            409,
            {"state": listing.state.value},
        )
    current = open_offer(session, negotiation)
    if in_reply_to is not None and in_reply_to.negotiation_id != negotiation.id:
        raise DomainError("unknown_offer", "the offer answered is not in this negotiation", 400)
    if strict and current is not None and (in_reply_to is None or in_reply_to.id != current.id):
        raise DomainError(
            "offer_superseded", "a newer offer is open in this negotiation: answer that one", 409
        )
    agreement_quotes.required_rule(session, negotiation, listing, terms.price, now=moment)
    first = latest_offer(session, negotiation) is None
    for superseded in session.scalars(
        select(Offer).where(Offer.negotiation_id == negotiation.id, Offer.state == OfferState.open)
    ):
        GRAPH.move(superseded, OfferState.countered)
        superseded.answered_at = moment
    offer = Offer(
        public_id=public_id,
        uri=uri,
        negotiation_id=negotiation.id,
        proposer=proposer,
        quantity=terms.quantity,
        price=terms.price,
        goods=terms.goods,
        message=terms.message,
        expires_at=terms.expires_at,
        state=OfferState.open,
        in_reply_to_id=in_reply_to.id if in_reply_to else (current.id if current else None),
        created_at=moment,
    )
    session.add(offer)
    negotiation.updated_at = moment
    session.flush()
    who = party(session, negotiation, proposer).name
    kind = NotificationKind.offer if first else NotificationKind.counter_offer
    said = {"who": who, "terms": terms_of(offer, listing)}
    tell(session, negotiation, other(proposer), kind, "offer" if first else "counter_offer", said)
    return offer


def accept(
    session: Session,
    negotiation: Negotiation,
    offer: Offer,
    by: Side,
    *,
    agreement_uri: str,
    accept_uri: str,
    public_id: str,
    now: datetime | None = None,
) -> tuple[Agreement, bool]:
    """Accept the open offer: the agreement, and True when our listing closed (nothing left)."""
    moment = now or utcnow()
    if offer.negotiation_id != negotiation.id:
        raise DomainError("unknown_offer", "the offer is not in this negotiation", 400)
    if negotiation.state is NegotiationState.agreed:
        raise DomainError("already_agreed", "this negotiation already ended in an agreement", 409)
    _ongoing(negotiation)
    _answerable(session, offer, by, moment)
    listing = session.get(Listing, negotiation.listing_id)
    assert listing is not None
    # refused (no_exchange_rule) before anything changes, like the checks above
    rule = agreement_quotes.required_rule(session, negotiation, listing, offer.price, now=moment)
    closed = listings.take(listing, offer.quantity, now=moment) if listing.is_local else False
    GRAPH.move(offer, OfferState.accepted)
    offer.answered_at = moment
    negotiations.GRAPH.move(negotiation, NegotiationState.agreed)
    negotiation.updated_at = moment
    agreement = Agreement(
        public_id=public_id,
        uri=agreement_uri,
        accept_uri=accept_uri,
        negotiation_id=negotiation.id,
        offer_id=offer.id,
        listing_id=listing.id,
        quantity=offer.quantity,
        amount=offer.price,
        currency=listing.currency,
        goods=offer.goods,
        state=AgreementState.agreed,
        created_at=moment,
    )
    agreement_quotes.fix(agreement, listing, rule)
    session.add(agreement)
    session.flush()
    who = party(session, negotiation, by).name
    tell(
        session,
        negotiation,
        offer.proposer,
        NotificationKind.accepted,
        "accepted",
        {"who": who, "terms": terms_of(offer, listing)},
    )
    return agreement, closed


def reject(
    session: Session,
    negotiation: Negotiation,
    offer: Offer,
    by: Side,
    reason: str = "",
    *,
    now: datetime | None = None,
) -> None:
    moment = now or utcnow()
    _ongoing(negotiation)
    _answerable(session, offer, by, moment)
    GRAPH.move(offer, OfferState.rejected)
    offer.answered_at = moment
    offer.answer_reason = reason.strip()[:2000]
    negotiations.GRAPH.move(negotiation, NegotiationState.rejected)
    negotiation.updated_at = moment
    who = party(session, negotiation, by).name
    tell(
        session,
        negotiation,
        offer.proposer,
        NotificationKind.rejected,
        "declined_because" if offer.answer_reason else "declined",
        {"who": who, "reason": offer.answer_reason},
    )


def withdraw(
    session: Session,
    negotiation: Negotiation,
    offer: Offer,
    by: Side,
    *,
    now: datetime | None = None,
) -> None:
    moment = now or utcnow()
    if offer.proposer is not by:
        raise DomainError("not_your_offer", "only the party who made an offer can withdraw it", 403)
    _ongoing(negotiation)
    if offer.state is not OfferState.open:
        raise DomainError(
            "offer_not_open", f"the offer is {offer.state.value}", 409, {"state": offer.state.value}
        )
    GRAPH.move(offer, OfferState.withdrawn)
    offer.answered_at = moment
    negotiations.GRAPH.move(negotiation, NegotiationState.withdrawn)
    negotiation.updated_at = moment
    who = party(session, negotiation, by).name
    tell(session, negotiation, other(by), NotificationKind.withdrawn, "withdrawn", {"who": who})


def expire(session: Session, offer: Offer, *, now: datetime | None = None) -> bool:
    """Expire the offer if it is still open and due; its thread ends. Both cities do this on
    their own clock.
    """
    moment = now or utcnow()
    if offer.state is not OfferState.open or offer.expires_at > moment:
        return False
    negotiation = session.get(Negotiation, offer.negotiation_id)
    assert negotiation is not None
    GRAPH.move(offer, OfferState.expired)
    offer.answered_at = moment
    if negotiation.state is NegotiationState.open:
        negotiations.GRAPH.move(negotiation, NegotiationState.expired)
        negotiation.updated_at = moment
    for side in (Side.buyer, Side.seller):
        tell(
            session,
            negotiation,
            side,
            NotificationKind.expired,
            "expired",
        )
    return True


@dataclass(frozen=True)
class Ended:
    """A thread closed because its listing ended, with the offer that was still open in it."""

    negotiation: Negotiation
    offer: Offer | None


def close_for_listing(
    session: Session, listing: Listing, *, now: datetime | None = None
) -> list[Ended]:
    """The listing ended: close its open threads. An open offer by the buyer counts as rejected,
    one by the seller as withdrawn. Returns what was closed, for the caller to tell remote parties.
    """
    moment = now or utcnow()
    ended: list[Ended] = []
    for negotiation in session.scalars(
        select(Negotiation).where(
            Negotiation.listing_id == listing.id, Negotiation.state == NegotiationState.open
        )
    ):
        offer = session.scalar(
            select(Offer).where(
                Offer.negotiation_id == negotiation.id, Offer.state == OfferState.open
            )
        )
        if offer is not None:
            GRAPH.move(offer, S.rejected if offer.proposer is Side.buyer else S.withdrawn)
            offer.answered_at = moment
            offer.answer_reason = "the listing is no longer available"
        negotiations.GRAPH.move(negotiation, NegotiationState.closed)
        negotiation.updated_at = moment
        tell(
            session,
            negotiation,
            Side.buyer,
            NotificationKind.negotiation_closed,
            "closed",
            {"title": listing.title},
        )
        ended.append(Ended(negotiation, offer))
    return ended


def due_for_expiry(
    session: Session, *, now: datetime | None = None, limit: int = 500
) -> list[Offer]:
    moment = now or utcnow()
    return list(
        session.scalars(
            select(Offer)
            .where(Offer.state == OfferState.open, Offer.expires_at <= moment)
            .limit(limit)
        )
    )
