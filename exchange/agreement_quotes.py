"""The quote an agreement fixes between two cities, and the rule a cross-city price needs.

A price between a member of ours and a party of another city is in the seller's currency
(the listing's). It can only be agreed while an exchange rule is in force with that city:
an offer with a price is refused at offer time otherwise (`no_exchange_rule`, 409), on both
sides. When such an offer is accepted, the agreement records the rule version (id and hash)
and the amount in the buyer's currency, converted once:

- an offer listing (the buyer pays): ceil, the buyer pays at most one minor unit more;
- a want (the listing's author pays, in its own currency; the responder is paid in theirs):
  floor, the payee gets at most one minor unit less.

Either way the rounding goes against the payer, by at most one minor unit. The accepting city
sends the pair in its Accept; the other city fixes its own with its rule in force and refuses
the Accept when the two differ. Nothing recomputes it afterwards: a later rule change does
not touch an agreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from models import Agreement, ExchangeRule, Listing, Negotiation, Purpose, RemoteActor

from .errors import DomainError
from .rates import active_rule_for_domain
from .rule_terms import convert


@dataclass(frozen=True)
class ClaimedQuote:
    """The quote another city's Accept carries (amounts in minor units)."""

    rule_uri: str
    rule_hash: str
    seller_amount: int
    seller_currency: str
    buyer_amount: int
    buyer_currency: str


def remote_domain(session: Session, negotiation: Negotiation) -> str | None:
    """The domain of the thread's party in another city, if any."""
    actor_id = negotiation.buyer_actor_id or negotiation.seller_actor_id
    if actor_id is None:
        return None
    actor = session.get(RemoteActor, actor_id)
    return actor.domain if actor is not None else None


def required_rule(
    session: Session,
    negotiation: Negotiation,
    listing: Listing,
    price: int | None,
    *,
    now: datetime | None = None,
) -> ExchangeRule | None:
    """The rule in force that a price in this thread needs; None when none is needed (a price
    between two of our members, or goods only). Refused (409) when the rule is missing."""
    if price is None:
        return None
    domain = remote_domain(session, negotiation)
    if domain is None:
        return None
    rule = active_rule_for_domain(session, domain, now=now)
    if rule is None or listing.currency not in (rule.proposer_currency, rule.responder_currency):
        raise DomainError(
            "no_exchange_rule",
            f"there is no exchange rule in force with {domain}: a price cannot be agreed "
            "with its members (the admins of both cities agree one first)",
            409,
        )
    return rule


def fix(agreement: Agreement, listing: Listing, rule: ExchangeRule | None) -> None:
    """Record the rule version and the buyer's amount on a new cross-city agreement (`rule`
    is what `required_rule` found for its price; None: nothing to fix)."""
    if rule is None or agreement.amount is None:
        return
    buyer_currency = (
        rule.responder_currency
        if listing.currency == rule.proposer_currency
        else rule.proposer_currency
    )
    buyer_pays = listing.purpose is not Purpose.request
    agreement.rule_id = rule.id
    agreement.rule_uri = rule.uri
    agreement.rule_hash = rule.hash
    agreement.buyer_currency = buyer_currency
    agreement.buyer_amount = convert(rule, agreement.amount, listing.currency, round_up=buyer_pays)


def claimed_of(agreement: Agreement) -> ClaimedQuote | None:
    if (
        agreement.rule_uri is None
        or agreement.rule_hash is None
        or agreement.amount is None
        or agreement.buyer_amount is None
        or agreement.buyer_currency is None
    ):
        return None
    return ClaimedQuote(
        agreement.rule_uri,
        agreement.rule_hash,
        agreement.amount,
        agreement.currency,
        agreement.buyer_amount,
        agreement.buyer_currency,
    )


def check(agreement: Agreement, claimed: ClaimedQuote | None) -> None:
    """The other city's quote must be the one we fixed: same version, hash and amounts."""
    ours = claimed_of(agreement)
    if ours == claimed:
        return
    if ours is None:
        raise DomainError("quote_mismatch", "the Accept carries a quote for a local trade", 400)
    if claimed is None:
        raise DomainError(
            "quote_mismatch", "an Accept across cities carries the quote it fixes", 400
        )
    if (claimed.rule_uri, claimed.rule_hash) != (ours.rule_uri, ours.rule_hash):
        raise DomainError(
            "quote_mismatch",
            f"the Accept names rule {claimed.rule_uri}, but the rule in force here is "
            f"{ours.rule_uri} (hash {ours.rule_hash[:12]}…)",
            409,
        )
    raise DomainError(
        "quote_mismatch",
        "the Accept's amounts are not the ones the rule gives "
        f"({ours.seller_amount} {ours.seller_currency} = {ours.buyer_amount} "
        f"{ours.buyer_currency} in minor units)",
        409,
    )
