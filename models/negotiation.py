"""Negotiations: a thread between a buyer and a listing's seller, its offers, messages and
agreement.

Each party is either one of our members or a remote actor. Both cities keep the same thread
under the same `context` (minted by the city that opened it) and the same offer, message and
agreement ids, so both sides see one history. Prices are in the SELLER's currency.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class Side(enum.StrEnum):
    buyer = "buyer"
    seller = "seller"


class NegotiationState(enum.StrEnum):
    open = "open"
    agreed = "agreed"
    rejected = "rejected"
    withdrawn = "withdrawn"
    expired = "expired"
    #: the listing ended (sold out, withdrawn, taken down) before an agreement
    closed = "closed"


class NegotiationKind(enum.StrEnum):
    #: FEP-0837 offers between Comptoir members (or other marketplaces)
    offers = "offers"
    #: direct messages only, with someone whose server knows no offers (a Mastodon user)
    messages = "messages"


class OfferState(enum.StrEnum):
    open = "open"
    #: superseded by a newer offer in the same thread
    countered = "countered"
    accepted = "accepted"
    rejected = "rejected"
    withdrawn = "withdrawn"
    expired = "expired"


class AgreementState(enum.StrEnum):
    agreed = "agreed"
    #: the payer confirmed and the ledger moved the amount (exchange.agreements.pay)
    paid = "paid"
    #: the seller's city refused an acceptance it received (the offer had been superseded)
    cancelled = "cancelled"


class Negotiation(Base):
    __tablename__ = "negotiations"
    __table_args__ = (
        Index("ix_negotiations_listing", "listing_id", "state"),
        Index("ix_negotiations_buyer_member", "buyer_member_id", "id"),
        Index("ix_negotiations_seller_member", "seller_member_id", "id"),
        Index("ix_negotiations_buyer_actor", "buyer_actor_id", "listing_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: our page's id (/negotiations/{public_id})
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    #: the thread id on the wire (`context`), the same in both cities
    context: Mapped[str] = mapped_column(String(2000), unique=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    kind: Mapped[NegotiationKind] = mapped_column(
        Enum(NegotiationKind, native_enum=False, length=16)
    )
    buyer_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE")
    )
    buyer_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("remote_actors.id", ondelete="CASCADE")
    )
    seller_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE")
    )
    seller_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("remote_actors.id", ondelete="CASCADE")
    )
    state: Mapped[NegotiationState] = mapped_column(
        Enum(NegotiationState, native_enum=False, length=16)
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Offer(Base):
    __tablename__ = "offers"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("price IS NULL OR price >= 0", name="price_not_negative"),
        Index("ix_offers_negotiation", "negotiation_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    #: the Offer activity's id
    uri: Mapped[str] = mapped_column(String(2000), unique=True)
    negotiation_id: Mapped[int] = mapped_column(ForeignKey("negotiations.id", ondelete="CASCADE"))
    proposer: Mapped[Side] = mapped_column(Enum(Side, native_enum=False, length=8))
    quantity: Mapped[int] = mapped_column(default=1)
    #: the total asked for `quantity`, in minor units of the seller's currency; None with goods
    price: Mapped[int | None] = mapped_column(BigInteger)
    #: what is given in return instead of (or besides) money
    goods: Mapped[str] = mapped_column(Text, default="")
    #: sanitized HTML
    message: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[OfferState] = mapped_column(Enum(OfferState, native_enum=False, length=16))
    #: the offer this one answers (and supersedes)
    in_reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the reason given with a rejection
    answer_reason: Mapped[str] = mapped_column(Text, default="")


class NegotiationMessage(Base):
    __tablename__ = "negotiation_messages"
    __table_args__ = (Index("ix_negotiation_messages_thread", "negotiation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the Note's id
    uri: Mapped[str] = mapped_column(String(2000), unique=True)
    negotiation_id: Mapped[int] = mapped_column(ForeignKey("negotiations.id", ondelete="CASCADE"))
    author: Mapped[Side] = mapped_column(Enum(Side, native_enum=False, length=8))
    #: sanitized HTML
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Agreement(Base):
    """An accepted offer. The payer settles it in the ledger through exchange.agreements.pay."""

    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    #: the Agreement's id, minted by the city of the party that accepted
    uri: Mapped[str] = mapped_column(String(2000), unique=True)
    #: the Accept activity's id (a Reject of it cancels the agreement)
    accept_uri: Mapped[str] = mapped_column(String(2000), unique=True)
    negotiation_id: Mapped[int] = mapped_column(
        ForeignKey("negotiations.id", ondelete="CASCADE"), index=True
    )
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column()
    #: the total, in minor units of `currency` (the seller's); None when paid in goods
    amount: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(8))
    goods: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[AgreementState] = mapped_column(
        Enum(AgreementState, native_enum=False, length=16)
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The quote fixed at agreement, for a price between two cities (None otherwise): the rule
    # version it was made under and the amount in the buyer's currency. `amount` stays the
    # seller's. Both cities store the same pair (carried in the Accept) and never recompute it.
    #: the exchange rule version (our row; its `uri` and `hash` are the same in both cities)
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("exchange_rules.id", ondelete="RESTRICT"), index=True
    )
    rule_uri: Mapped[str | None] = mapped_column(String(2000))
    rule_hash: Mapped[str | None] = mapped_column(String(64))
    #: the total in minor units of `buyer_currency` (the buyer's city's)
    buyer_amount: Mapped[int | None] = mapped_column(BigInteger)
    buyer_currency: Mapped[str | None] = mapped_column(String(8))
