"""Agreements: what an accepted offer binds, the hook the ledger pays them through, and cancellation.

The ledger issue pays an agreement in the same transaction as the state change that asks for
it, through `payable`:

    due = agreements.payable(session, agreement)
    ledger.pay(session, currency, payer_member, due.payee, due.amount,
               kind=TransferKind.agreement, reference=due.reference,
               public_id=f"agreement:{due.public_id}")

`payable` refuses (DomainError) what cannot be paid in one city's ledger: an agreement not in
state `agreed`, one settled in goods only, one whose parties are not both our members (that
is a cross-city settlement, the settlement issue's work). The agreement keeps state `agreed`;
the ledger issue adds what follows payment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Agreement,
    AgreementState,
    Listing,
    Member,
    Negotiation,
    NegotiationState,
    NotificationKind,
    Offer,
    OfferState,
    Purpose,
    Side,
    utcnow,
)

from .errors import DomainError
from .negotiations import tell


@dataclass(frozen=True)
class Payable:
    public_id: str
    #: the agreement's id, for the transfer's `reference`
    reference: str
    payer: str
    payee: str
    amount: int
    currency: str


def payable(session: Session, agreement: Agreement) -> Payable:
    """Who pays whom how much for this agreement, when our ledger alone can pay it."""
    if agreement.state is not AgreementState.agreed:
        raise DomainError("agreement_not_payable", f"the agreement is {agreement.state.value}", 409)
    if not agreement.amount:
        raise DomainError("agreement_not_payable", "this agreement is settled in goods, not in currency", 409)
    negotiation = session.get(Negotiation, agreement.negotiation_id)
    listing = session.get(Listing, agreement.listing_id)
    assert negotiation is not None and listing is not None
    if negotiation.buyer_member_id is None or negotiation.seller_member_id is None:
        raise DomainError("cross_city_agreement", "a party is in another city: this is paid by settlement", 409)
    buyer = session.get(Member, negotiation.buyer_member_id)
    seller = session.get(Member, negotiation.seller_member_id)
    assert buyer is not None and seller is not None
    payer, payee = (seller, buyer) if listing.purpose is Purpose.request else (buyer, seller)
    return Payable(agreement.public_id, agreement.uri, payer.username, payee.username, agreement.amount,
                   agreement.currency)


def by_accept(session: Session, accept_uri: str) -> Agreement | None:
    return session.scalar(select(Agreement).where(Agreement.accept_uri == accept_uri))


def by_uri(session: Session, uri: str) -> Agreement | None:
    return session.scalar(select(Agreement).where(Agreement.uri == uri))


def cancel(session: Session, agreement: Agreement, reason: str, *, now: datetime | None = None) -> bool:
    """The seller's city refused our acceptance (its offer had been superseded): undo it here.

    Only ever happens on the buyer's side for a remote listing, so no quantity is given back.
    The thread stays open if a newer offer is open in it. False when already cancelled.
    """
    if agreement.state is AgreementState.cancelled:
        return False
    moment = now or utcnow()
    agreement.state = AgreementState.cancelled
    offer = session.get(Offer, agreement.offer_id)
    negotiation = session.get(Negotiation, agreement.negotiation_id)
    assert offer is not None and negotiation is not None
    offer.state = OfferState.countered
    offer.answer_reason = reason.strip()[:2000]
    newer = session.scalar(select(Offer.id).where(Offer.negotiation_id == negotiation.id,
                                                  Offer.state == OfferState.open))
    negotiation.state = NegotiationState.open if newer is not None else NegotiationState.rejected
    negotiation.updated_at = moment
    for side in (Side.buyer, Side.seller):
        tell(session, negotiation, side, NotificationKind.agreement_cancelled,
             "The other city refused the acceptance" + (f": {reason.strip()}" if reason.strip() else "."))
    return True
