"""Partnerships between cities and the exchange rules both cities agreed.

A rule is proposed by one city's instance actor to another's (`Offer{object: ExchangeRule}`)
and is in force only once the other answered `Accept`. Both cities keep the same row: the same
`uri` (minted by the proposer), the same terms and the same `hash` of their canonical form
(exchange/rule_terms.py). The terms never change: a change is a new version, agreed again,
whose `replaces_uri` names the one it replaces; older versions are kept, because settlements
and agreements in flight name the version they were made under (`Agreement.rule_id`).

Terms are read from the proposer's side: one unit of `proposer_currency` buys
`num/den` units of `responder_currency`; `min_amount`, `max_amount`, `import_cap` and
`export_cap` are minor units of `proposer_currency` (import = what the proposer's residents
buy from the responder's). exchange/rule_terms.py turns them into each side's view.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, synonym

from .base import Base, UTCDateTime, utcnow


class RuleStatus(enum.StrEnum):
    #: sent to (or received from) the partner, not answered yet
    proposed = "proposed"
    #: agreed by both cities: quotes and new settlements use it
    active = "active"
    #: stopped by either city: no new quote or settlement; those in flight finish
    suspended = "suspended"
    #: replaced by a newer version, or ended; kept for what was made under it
    retired = "retired"
    #: the partner (or we) refused the proposal
    rejected = "rejected"


class Partnership(Base):
    """A partner city, known by its instance actor: its currency as it publishes it.

    One row per partner, made by the first proposal sent or received. The peer ledger account
    `peer:<partner>` is its position in our currency; its limits follow the active rule's caps.
    """

    __tablename__ = "partnerships"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the partner city's instance actor id
    partner: Mapped[str] = mapped_column(String(2000), unique=True)
    #: its domain, as admins type it (`comptoir partners propose DOMAIN`)
    domain: Mapped[str] = mapped_column(String(255), index=True)
    #: where its instance actor receives (shared inbox when it has one)
    inbox: Mapped[str] = mapped_column(String(2000))
    #: its currency, from its instance actor document, when last seen
    currency: Mapped[str] = mapped_column(String(8))
    scale: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExchangeRule(Base):
    """One version of the rule between us and a partner city (see the module docstring)."""

    __tablename__ = "exchange_rules"
    __table_args__ = (
        CheckConstraint("num > 0 AND den > 0", name="rate_positive"),
        CheckConstraint("fee_bps >= 0 AND fee_bps < 10000", name="fee_in_range"),
        CheckConstraint("min_amount > 0 AND min_amount <= max_amount", name="min_max"),
        CheckConstraint("import_cap >= 0 AND export_cap >= 0", name="caps_not_negative"),
        Index("ix_exchange_rules_partner_status", "partner", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the rule version's id, minted by the proposer: the same in both cities
    uri: Mapped[str] = mapped_column(String(2000), unique=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    #: the other city's instance actor (from our side: the partner, whoever proposed)
    partner: Mapped[str] = mapped_column(String(2000))
    #: 1, 2, ...: one more than the latest version known between the two cities at proposal
    version: Mapped[int] = mapped_column()
    #: the version this one replaces, if any
    replaces_uri: Mapped[str | None] = mapped_column(String(2000))
    #: the proposing and the answering cities' instance actors
    proposer: Mapped[str] = mapped_column(String(2000))
    responder: Mapped[str] = mapped_column(String(2000))
    proposer_currency: Mapped[str] = mapped_column(String(8))
    proposer_scale: Mapped[int] = mapped_column()
    responder_currency: Mapped[str] = mapped_column(String(8))
    responder_scale: Mapped[int] = mapped_column()
    #: one unit of proposer_currency buys num/den units of responder_currency
    num: Mapped[int] = mapped_column(BigInteger)
    den: Mapped[int] = mapped_column(BigInteger)
    #: the fee, in basis points of the payer's amount, charged at the payer's city to
    #: `system:fees` as its own ledger leg (rounded up)
    fee_bps: Mapped[int] = mapped_column(default=0)
    #: per settlement, in minor units of proposer_currency
    min_amount: Mapped[int] = mapped_column(BigInteger)
    max_amount: Mapped[int] = mapped_column(BigInteger)
    #: caps on the net position, in minor units of proposer_currency: import = what the
    #: proposer's residents may owe the responder's, export = the other way
    import_cap: Mapped[int] = mapped_column(BigInteger)
    export_cap: Mapped[int] = mapped_column(BigInteger)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: sha256 of the canonical form of the terms above (exchange/rule_terms.py), hex
    hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[RuleStatus] = mapped_column(Enum(RuleStatus, native_enum=False, length=16))
    #: the name exchange/state_graph.py moves (the same column)
    state: Mapped[RuleStatus] = synonym("status")
    #: the instance actor that suspended it (only that city resumes it)
    suspended_by: Mapped[str | None] = mapped_column(String(2000))
    #: why it was rejected, suspended or retired
    status_reason: Mapped[str] = mapped_column(Text, default="")
    #: the Offer activity that proposed it, and the Accept / Reject that answered
    offer_uri: Mapped[str] = mapped_column(String(2000), unique=True)
    answer_uri: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when it became active here, and when it stopped being in force (retired / rejected)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
