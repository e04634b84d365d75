"""Agreements: what an accepted offer binds, paying it through the ledger, and cancellation.

The listing's quantity was taken when the offer was accepted (exchange.offers); paying moves
the money. `pay` changes the agreement to `paid`, posts the transfer and notifies the payee in
the caller's transaction, so a refusal by the ledger (over the credit limit, a suspended
party) leaves the agreement unpaid and nothing written.

`payable` refuses (DomainError) what cannot be paid in one city's ledger: an agreement not in
state `agreed` (already paid, or cancelled), one settled in goods only, one whose parties are
not both our members (that is a cross-city settlement).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from instance import notification_texts
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
    TransferKind,
    utcnow,
)

from . import negotiations, offers
from .errors import DomainError, Forbidden
from .ledger import CurrencyRules, Posting
from .ledger import pay as ledger_pay
from .negotiations import tell
from .state_graph import StateGraph

A = AgreementState
#: an agreement is paid through the ledger, or cancelled when the seller's city refuses the
#: acceptance; a paid agreement is never cancelled (only cross-city ones are, and those are
#: paid by settlement, not by `pay`)
GRAPH = StateGraph(
    "agreement",
    AgreementState,
    {
        A.agreed: {A.paid, A.cancelled},
        A.paid: set(),
        A.cancelled: set(),
    },
)


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
        raise DomainError(
            "agreement_not_payable",
            f"the agreement is {agreement.state.value}",
            409,
            {"state": agreement.state.value},
        )
    if not agreement.amount:
        raise DomainError(
            "agreement_not_payable", "this agreement is settled in goods, not in currency", 409
        )
    negotiation = session.get(Negotiation, agreement.negotiation_id)
    listing = session.get(Listing, agreement.listing_id)
    assert negotiation is not None and listing is not None
    if negotiation.buyer_member_id is None or negotiation.seller_member_id is None:
        raise DomainError(
            "cross_city_agreement", "a party is in another city: this is paid by settlement", 409
        )
    buyer = session.get(Member, negotiation.buyer_member_id)
    seller = session.get(Member, negotiation.seller_member_id)
    assert buyer is not None and seller is not None
    payer, payee = (seller, buyer) if listing.purpose is Purpose.request else (buyer, seller)
    return Payable(
        agreement.public_id,
        agreement.uri,
        payer.username,
        payee.username,
        agreement.amount,
        agreement.currency,
    )


def transfer_id(agreement: Agreement) -> str:
    """The id of the transfer that pays it: derived, so that paying twice cannot move money
    twice.
    """
    return f"agreement:{agreement.public_id}"


def pay(
    session: Session,
    currency: CurrencyRules,
    payer: Member,
    agreement: Agreement,
    *,
    now: datetime | None = None,
) -> Posting:
    """The payer confirms: the agreed amount moves from payer to payee and the agreement is paid.

    The payer is the buyer of an offer and the listing's author for a want. The caller has
    already checked that `payer` takes part in the thread; the other party may not pay.
    """
    due = payable(session, agreement)
    if payer.username != due.payer:
        raise Forbidden("only the paying party pays an agreement")
    if due.currency != currency.code:
        raise DomainError(
            "agreement_not_payable",
            f"the agreement is in {due.currency}, not in {currency.code}",
            409,
        )
    posting = ledger_pay(
        session,
        currency,
        payer,
        due.payee,
        due.amount,
        kind=TransferKind.agreement,
        reference=due.reference,
        public_id=transfer_id(agreement),
        now=now,
        memo=f"agreement {agreement.public_id}",
    )
    if not posting.created:  # a concurrent request paid it first (its transfer has this id)
        raise DomainError("agreement_not_payable", "the agreement is paid", 409)
    GRAPH.move(agreement, AgreementState.paid)
    negotiation = session.get(Negotiation, agreement.negotiation_id)
    assert negotiation is not None
    negotiation.updated_at = now or utcnow()
    payee_side = Side.seller if negotiation.buyer_member_id == payer.id else Side.buyer
    tell(
        session,
        negotiation,
        payee_side,
        NotificationKind.agreement_paid,
        "paid",
        {
            "who": f"@{payer.username}",
            "amount": notification_texts.amount(due.amount, currency.scale, due.currency),
        },
    )
    return posting


#: a thread's latest agreement: built once (every payment reads it)
_LATEST_OF_THREAD = (
    select(Agreement)
    .where(Agreement.negotiation_id == bindparam("thread"))
    .order_by(Agreement.id.desc())
    .limit(1)
)


def of_negotiation(session: Session, negotiation: Negotiation) -> Agreement:
    """The thread's latest agreement; 409 while the thread has none."""
    agreement = session.scalar(_LATEST_OF_THREAD, {"thread": negotiation.id})
    if agreement is None:
        raise DomainError("no_agreement", "this negotiation has no agreement yet", 409)
    return agreement


def by_accept(session: Session, accept_uri: str) -> Agreement | None:
    return session.scalar(select(Agreement).where(Agreement.accept_uri == accept_uri))


def by_uri(session: Session, uri: str) -> Agreement | None:
    return session.scalar(select(Agreement).where(Agreement.uri == uri))


def cancel(
    session: Session, agreement: Agreement, reason: str, *, now: datetime | None = None
) -> bool:
    """The seller's city refused our acceptance (its offer had been superseded): undo it here.

    Only ever happens on the buyer's side for a remote listing, so no quantity is given back.
    The thread stays open if a newer offer is open in it. False when already cancelled.
    """
    if agreement.state is AgreementState.cancelled:
        return False
    moment = now or utcnow()
    GRAPH.move(agreement, AgreementState.cancelled)
    offer = session.get(Offer, agreement.offer_id)
    negotiation = session.get(Negotiation, agreement.negotiation_id)
    assert offer is not None and negotiation is not None
    offers.GRAPH.move(offer, OfferState.countered)
    offer.answer_reason = reason.strip()[:2000]
    newer = session.scalar(
        select(Offer.id).where(
            Offer.negotiation_id == negotiation.id, Offer.state == OfferState.open
        )
    )
    reopened = NegotiationState.open if newer is not None else NegotiationState.rejected
    negotiations.GRAPH.move(negotiation, reopened)
    negotiation.updated_at = moment
    for side in (Side.buyer, Side.seller):
        tell(
            session,
            negotiation,
            side,
            NotificationKind.agreement_cancelled,
            "acceptance_refused_because" if reason.strip() else "acceptance_refused",
            {"reason": reason.strip()},
        )
    return True
