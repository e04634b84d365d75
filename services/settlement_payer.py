"""The payer's city in a cross-city settlement: pay (hold and Offer), then decide on the
payee city's vote and stop resending the commit once the receipt comes.

The payer's city derives the settlement id from the agreement and the attempt, and activity
ids from the settlement, so a repeated step finds what the first one wrote
(services/settlement_outcomes.py says what the three settlement modules share).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, aliased

from exchange import agreements, negotiations, reconciliation, rule_terms, settlements
from exchange.errors import DomainError, Forbidden
from exchange.settlements import Terms
from federation.errors import FetchError
from instance.city import City
from instance.notification_texts import amount
from models import (
    Agreement,
    AgreementState,
    Listing,
    Member,
    Negotiation,
    Purpose,
    RemoteActor,
    Settlement,
    SettlementRole,
    SettlementState,
    Side,
    utcnow,
)
from outbox.publish import publish_or_resend
from outbox.settlement_activities import render_prepare

from .settlement_outcomes import (
    instance_actor_of,
    mark_paid,
    schedule_sweep,
    send_decision,
    tell_refused,
    usable_partner,
)

log = logging.getLogger("comptoir.services.settlement_payer")

S = SettlementState

T = TypeVar("T")


@dataclass(frozen=True)
class Parties:
    """Who pays whom in a cross-city agreement, seen from our city (the payer's)."""

    agreement: Agreement
    negotiation: Negotiation
    payer: Member
    payer_side: Side
    payee_uri: str
    partner: str


_SELLER, _BUYER = aliased(RemoteActor), aliased(RemoteActor)
#: the thread's latest agreement, its listing's purpose (which side pays) and the two
#: remote parties' ids, in one statement (each was a read of its own on every payment)
_PARTIES = (
    select(Agreement, Listing.purpose, _SELLER.uri, _BUYER.uri)
    .join(Listing, Listing.id == Agreement.listing_id)
    .outerjoin(_SELLER, _SELLER.id == bindparam("seller_actor"))
    .outerjoin(_BUYER, _BUYER.id == bindparam("buyer_actor"))
    .where(Agreement.negotiation_id == bindparam("thread"))
    .order_by(Agreement.id.desc())
    .limit(1)
)


def cross_city_parties(session: Session, who: Member, negotiation: Negotiation) -> Parties | None:
    """The parties of the thread's agreement when it is paid by settlement, else None (a local
    agreement, paid by the ledger alone). Refuses anyone but the paying member.
    """
    return _agreement_and_parties(session, who, negotiation)[1]


def _agreement_and_parties(
    session: Session, who: Member, negotiation: Negotiation
) -> tuple[Agreement, Parties | None]:
    found = session.execute(
        _PARTIES,
        {
            "thread": negotiation.id,
            "seller_actor": negotiation.seller_actor_id,
            "buyer_actor": negotiation.buyer_actor_id,
        },
    ).first()
    if found is None:
        raise DomainError("no_agreement", "this negotiation has no agreement yet", 409)
    agreement, purpose, seller_uri, buyer_uri = found
    if negotiation.buyer_member_id is not None and negotiation.seller_member_id is not None:
        return agreement, None
    payer_side = Side.seller if purpose is Purpose.request else Side.buyer
    payer_id = (
        negotiation.buyer_member_id if payer_side is Side.buyer else negotiation.seller_member_id
    )
    if payer_id != who.id:
        raise Forbidden("only the paying party pays an agreement")
    payee_uri = seller_uri if payer_side is Side.buyer else buyer_uri
    if payee_uri is None:
        raise DomainError("agreement_not_payable", "the other party is unknown here", 409)
    return agreement, Parties(
        agreement,
        negotiation,
        who,
        payer_side,
        payee_uri,
        instance_actor_of(payee_uri),
    )


def partner_to_fetch(session: Session, who: Member, negotiation_public_id: str) -> str | None:
    """Before paying: the partner city's instance actor, which must be known to address it."""
    negotiation, _ = negotiations.of_member(session, who, negotiation_public_id)
    parties = cross_city_parties(session, who, negotiation)
    return parties.partner if parties is not None else None


class PartnerToFetch(DomainError):
    """Raised by `pay` (nothing written) when the partner city's instance actor must be
    fetched first: not known, older than the directory's cache age, or refused by the
    federation policy. The caller runs `know_partner` (which fetches, or refuses with the
    directory's error) and pays again: `paying_after_fetch`."""

    def __init__(self, partner: str) -> None:
        super().__init__("partner_unknown", "the other city could not be reached", 503)
        self.partner = partner


async def paying_after_fetch(
    city: City, who: Member, negotiation_public_id: str, write: Callable[[], Awaitable[T]]
) -> T:
    """Run the paying `write`; when it found the partner city's actor unusable (nothing was
    written), fetch it (`know_partner`: refused, or 503, if it cannot be had) and run the
    write again, once.

    Why not fetch first: a read transaction before every payment, for an actor that is
    known and fresh almost always (docs/BENCHMARKS.md, settlement)."""
    try:
        return await write()
    except PartnerToFetch:
        await know_partner(city, who, negotiation_public_id)
    return await write()


async def know_partner(city: City, who: Member, negotiation_public_id: str) -> None:
    """Before paying across cities: fetch the partner city's instance actor (once, cached), so
    that the paying transaction can address it. A partner that cannot be reached refuses the
    payment before anything is held.
    """
    partner = await city.db.read(lambda s: partner_to_fetch(s, who, negotiation_public_id))
    if partner is None:
        return
    try:
        await city.fediverse.directory.actor(partner)
    except FetchError as exc:
        raise DomainError(
            "partner_unreachable", f"the other city cannot be reached now: {exc}", 503
        ) from None


@dataclass(frozen=True)
class Payment:
    """What paying did: the agreement, and its settlement (None: a local agreement, paid by
    the ledger at once)."""

    agreement: Agreement
    settlement: Settlement | None


def pay(session: Session, city: City, who: Member, negotiation: Negotiation) -> Payment:
    """The payer confirms an agreement: a local one is paid by the ledger at once
    (exchange.agreements.pay); a cross-city one prepares its settlement (hold and Offer).

    Paying again while a settlement is in flight, or after it committed, changes nothing and
    returns it; after an aborted attempt a new attempt (a new id) starts.
    """
    agreement, parties = _agreement_and_parties(session, who, negotiation)
    if parties is None:
        agreements.pay(session, city.settings.currency, who, agreement)
        return Payment(agreement, None)
    tried = settlements.attempts(session, agreement.id)
    live = next((row for row in tried if row.state is not S.aborted), None)
    if live is not None:
        return Payment(agreement, live)
    if agreement.state is not AgreementState.agreed:
        raise DomainError("agreement_not_payable", f"the agreement is {agreement.state.value}")
    reconciliation.check_not_frozen(session, parties.partner)
    if not agreement.amount:
        raise DomainError(
            "agreement_not_payable", "this agreement is settled in goods, not in currency"
        )
    partner = usable_partner(session, city, parties.partner)
    if partner is None:  # nothing written yet: the caller fetches it and pays again
        raise PartnerToFetch(parties.partner)
    currency = city.settings.currency
    now = utcnow()
    if agreement.rule_uri is None or agreement.buyer_amount is None or not agreement.buyer_currency:
        raise DomainError(
            "no_quote", "this agreement fixed no exchange quote: it cannot be paid across cities"
        )
    rule = settlements.rule_for(session, agreement.rule_uri, parties.partner, now=now)
    side = rule_terms.side_of(rule, city.urls.instance_actor)
    pair = {agreement.currency: agreement.amount, agreement.buyer_currency: agreement.buyer_amount}
    if set(pair) != {currency.code, side.their_currency}:
        raise DomainError("no_quote", "the agreement's quote is not between our two currencies")
    times = city.settings.settlement
    expires_at = now + timedelta(seconds=times.hold_seconds)
    public_id = f"{agreement.public_id}-{len(tried) + 1}"
    terms = Terms(
        uri=city.urls.settlement(public_id),
        agreement=agreement.uri,
        payer=city.urls.member(who.username),
        payee=parties.payee_uri,
        source_amount=pair[currency.code],
        source_currency=currency.code,
        source_scale=currency.scale,
        target_amount=pair[side.their_currency],
        target_currency=side.their_currency,
        target_scale=side.their_scale,
        rule=rule.uri,
        rule_hash=rule.hash,
        expires_at=expires_at,
        decision_deadline=expires_at - timedelta(seconds=times.decision_margin_seconds),
    )
    settlements.check_limits(rule, terms)
    row = settlements.hold_at_payer(
        session,
        currency,
        who,
        terms,
        public_id=public_id,
        partner=parties.partner,
        agreement_id=agreement.id,
        fee=rule_terms.fee(rule, terms.source_amount),
        now=now,
    )
    publish_or_resend(session, city, render_prepare(city, row), partner)
    schedule_sweep(session, city, run_at=row.decision_deadline)
    return Payment(agreement, row)


def receive_vote(
    session: Session,
    city: City,
    sender: str,
    prepare_id: str,
    *,
    yes: bool,
    code: str = "",
    reason: str = "",
    temporary: bool = False,
) -> bool:
    """The payee city's vote on one of our settlements: decide (commit or abort) and send the
    decision. A vote after the decision re-sends the decision. False: not ours.
    """
    row = settlements.by_uri(session, prepare_id.removesuffix("/prepare"))
    if row is None or row.role is not SettlementRole.payer or not prepare_id.endswith("/prepare"):
        return False
    if sender != row.partner:
        log.warning("vote on %s from %s, not its partner: ignored", row.uri, sender)
        return True
    now = utcnow()
    if row.state is S.preparing:
        assert row.decision_deadline is not None
        if yes and now < row.decision_deadline and row.project_uri is not None:
            # a pledge: the project's city holds it; the decision waits for the project's
            # (services/remote_pledges.py)
            row.voted_at = row.voted_at or now
            return True
        if yes and now < row.decision_deadline:
            settlements.commit(session, row, now=now)
            paid = amount(row.source_amount, row.source_scale, row.source_currency)
            got = amount(row.target_amount, row.target_scale, row.target_currency)
            mark_paid(session, row, "paid_across", {"paid": paid, "got": got}, now)
        elif yes:
            settlements.abort(
                session,
                row,
                code="deadline_passed",
                reason="the vote arrived after the decision deadline",
                now=now,
            )
        else:
            settlements.abort(
                session, row, code=code or "refused", reason=reason, temporary=temporary, now=now
            )
            tell_refused(session, row)
    send_decision(session, city, row)
    return True


def receive_receipt(session: Session, city: City, sender: str, commit_id: str) -> bool:
    """The payee city applied our commit: stop resending it. False: not ours."""
    row = settlements.by_uri(session, commit_id.removesuffix("/commit"))
    if row is None or row.role is not SettlementRole.payer or not commit_id.endswith("/commit"):
        return False
    if sender == row.partner and row.state is S.committed:
        settlements.acknowledge(session, row)
    return True
