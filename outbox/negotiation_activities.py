"""Negotiation activities as FEP-0837 shapes: Offer, Accept and Undo with their Agreement terms.

- An offer is `Offer{object: Agreement{stipulates, stipulatesReciprocal}}` addressed to the
  other party only, with `context` = the thread, `endTime` = its expiry and, for a
  counter-offer, `inReplyTo` = the offer it supersedes. The reciprocal commitment holds the
  total price in the seller's currency, or the counter-goods in its `name`.
- `Accept{object: offer id, result: Agreement}` with the agreement's id minted here and, for a
  price between two cities, the `quote` it fixes (exchange/agreement_quotes.py);
  `Undo{object: Offer}` withdraws. The use cases that send them are services.negotiations.
"""

from __future__ import annotations

from typing import Any

from exchange import rule_terms
from exchange.negotiations import Party
from federation.authority import origin_base
from instance.amounts import format_amount
from instance.city import City
from models import Agreement, ExchangeRule, Listing, Negotiation, Offer

from . import render


def actor_uri(city: City, who: Party) -> str:
    if who.member is not None:
        return city.urls.member(who.member.username)
    assert who.actor is not None
    return who.actor.uri


def render_terms(
    listing: Listing, quantity: int, price: int | None, goods: str, agreement_uri: str | None = None
) -> dict[str, Any]:
    """An Agreement: the primary commitment (the quantity) and the reciprocal one (price or
    goods).
    """
    primary: dict[str, Any] = {
        "type": "Commitment",
        "satisfies": f"{listing.uri}#primary",
        "resourceQuantity": {"hasUnit": "one", "hasNumericalValue": str(quantity)},
    }
    agreement: dict[str, Any] = {"type": "Agreement", "stipulates": primary}
    reciprocal: dict[str, Any] | None = None
    if price is not None:
        reciprocal = {
            "type": "Commitment",
            "satisfies": f"{listing.uri}#reciprocal",
            "resourceConformsTo": f"{origin_base(listing.uri)}/currency",
            "resourceQuantity": {
                "hasUnit": "one",
                "hasNumericalValue": format_amount(price, listing.scale),
            },
        }
    elif goods:
        reciprocal = {
            "type": "Commitment",
            "satisfies": f"{listing.uri}#reciprocal",
            "name": goods,
            "resourceQuantity": {"hasUnit": "one", "hasNumericalValue": "1"},
        }
    if reciprocal is not None:
        agreement["stipulatesReciprocal"] = reciprocal
    if agreement_uri is not None:
        agreement["id"] = agreement_uri
        primary["id"] = f"{agreement_uri}#primary"
        if reciprocal is not None:
            reciprocal["id"] = f"{agreement_uri}#reciprocal"
    return agreement


def render_offer(
    city: City,
    negotiation: Negotiation,
    offer: Offer,
    listing: Listing,
    proposer: Party,
    recipient: Party,
    in_reply_to: Offer | None,
) -> dict[str, Any]:
    document = render.activity(
        city.urls,
        "Offer",
        offer.uri,
        actor_uri(city, proposer),
        render_terms(listing, offer.quantity, offer.price, offer.goods),
        to=[actor_uri(city, recipient)],
        published=offer.created_at,
        extra_context=True,
        context=negotiation.context,
        endTime=render.iso(offer.expires_at),
        target=listing.uri,
    )
    if offer.message:
        document["content"] = offer.message
    if in_reply_to is not None:
        document["inReplyTo"] = in_reply_to.uri
    return document


def render_quote(agreement: Agreement, listing: Listing, rule: ExchangeRule) -> dict[str, Any]:
    """The quote a cross-city agreement fixes: the rule version and both amounts."""
    assert agreement.amount is not None and agreement.buyer_amount is not None
    buyer_scale = rule_terms.scale_of(rule, agreement.buyer_currency)
    return {
        "type": "Quote",
        "exchangeRule": rule.uri,
        "ruleHash": rule.hash,
        "sellerAmount": format_amount(agreement.amount, listing.scale),
        "sellerCurrency": agreement.currency,
        "buyerAmount": format_amount(agreement.buyer_amount, buyer_scale),
        "buyerCurrency": agreement.buyer_currency,
    }


def render_accept(
    city: City,
    negotiation: Negotiation,
    offer: Offer,
    agreement: Agreement,
    listing: Listing,
    me: Party,
    them: Party,
    rule: ExchangeRule | None = None,
) -> dict[str, Any]:
    result = render_terms(
        listing, agreement.quantity, agreement.amount, agreement.goods, agreement.uri
    )
    result["attributedTo"] = actor_uri(city, me)
    if rule is not None and agreement.buyer_amount is not None:
        result["quote"] = render_quote(agreement, listing, rule)
    return render.activity(
        city.urls,
        "Accept",
        agreement.accept_uri,
        actor_uri(city, me),
        offer.uri,
        to=[actor_uri(city, them)],
        published=agreement.created_at,
        extra_context=True,
        context=negotiation.context,
        result=result,
    )


def render_undo(
    city: City, negotiation: Negotiation, offer: Offer, me: Party, them: Party
) -> dict[str, Any]:
    undone = {"type": "Offer", "id": offer.uri, "actor": actor_uri(city, me)}
    return render.activity(
        city.urls,
        "Undo",
        city.urls.offer_activity(offer.public_id, "undo"),
        actor_uri(city, me),
        undone,
        to=[actor_uri(city, them)],
        context=negotiation.context,
    )
