"""An inbound negotiation Offer: FEP-0837 `Offer{object: Agreement}`, read once.

The Agreement `stipulates` the primary Commitment (the quantity asked, which `satisfies` the
listing's `#primary`) and may `stipulatesReciprocal` one: a price when it conforms to a
currency, or counter-goods in its `name`. The activity carries the thread (`context`), the
expiry (`endTime`), the message (`content`, HTML) and the offer it answers (`inReplyTo`).
Whether the terms are acceptable is the domain's decision (exchange/offers.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from federation.times import parse_time
from federation.vocab import id_of, number_text


@dataclass(frozen=True)
class InboundOffer:
    id: str
    #: the thread: the activity's `context`, or the offer itself for a first offer without one
    context: str
    #: the listing the offer is about: what the primary commitment satisfies, else the `target`
    listing_uri: str | None
    #: the primary commitment's quantity, as sent
    quantity: str | None
    #: the reciprocal commitment's quantity when it conforms to a currency, as sent
    price: str | None
    #: the counter-goods named by the reciprocal commitment
    goods: str
    #: the message, still HTML
    content: str | None
    end_time: datetime | None
    in_reply_to: str | None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_offer(activity: dict[str, Any]) -> InboundOffer | None:
    """The offer an Offer activity makes, or None when its object is no Agreement."""
    terms, offer_id = activity.get("object"), activity.get("id")
    if not isinstance(terms, dict) or terms.get("type") != "Agreement":
        return None
    if not isinstance(offer_id, str):
        return None
    primary, reciprocal = _dict(terms.get("stipulates")), _dict(terms.get("stipulatesReciprocal"))
    satisfied = id_of(primary.get("satisfies"))
    content, goods = activity.get("content"), reciprocal.get("name")
    listing_uri = (
        satisfied.split("#", 1)[0] if satisfied is not None else id_of(activity.get("target"))
    )
    priced = bool(reciprocal.get("resourceConformsTo"))
    return InboundOffer(
        id=offer_id,
        context=id_of(activity.get("context")) or offer_id,
        listing_uri=listing_uri,
        quantity=number_text(primary.get("resourceQuantity")),
        price=number_text(reciprocal.get("resourceQuantity")) if priced else None,
        goods=goods if isinstance(goods, str) else "",
        content=content if isinstance(content, str) else None,
        end_time=parse_time(activity.get("endTime")),
        in_reply_to=id_of(activity.get("inReplyTo")),
    )


@dataclass(frozen=True)
class InboundQuote:
    """The quote an Accept's agreement carries between two cities (amounts as sent)."""

    rule_uri: str
    rule_hash: str
    seller_amount: str
    seller_currency: str
    buyer_amount: str
    buyer_currency: str


def parse_quote(result: Any) -> InboundQuote | None:
    """The `quote` of an Accept's `result` Agreement, or None when absent or malformed."""
    quote = _dict(result).get("quote")
    if not isinstance(quote, dict) or quote.get("type") != "Quote":
        return None
    keys = (
        "exchangeRule",
        "ruleHash",
        "sellerAmount",
        "sellerCurrency",
        "buyerAmount",
        "buyerCurrency",
    )
    values = [quote.get(key) for key in keys]
    texts = [value for value in values if isinstance(value, str) and value]
    if len(texts) != len(keys):
        return None
    return InboundQuote(*texts)
