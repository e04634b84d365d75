"""Cross-city settlements: one row per settlement on each side, payer's city and payee's city.

A settlement pays a cross-city agreement in two currencies: `source_amount` leaves the payer's
account at the payer's city (A) into A's `peer:B` account; `target_amount` leaves B's `peer:A`
account into the payee's account at B. The payer's city coordinates a presumed-abort two-phase
commit (shared/design/PROTOCOL.md): its row, at `uri`, is the one authoritative decision record;
the payee's city keeps a row with the same `uri` and the terms it voted on.

Both amounts, the rule and its hash are stored when the row is written and never recomputed.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class SettlementRole(enum.StrEnum):
    #: we are the payer's city: we coordinate and decide
    payer = "payer"
    #: we are the payee's city: we vote and follow the decision
    payee = "payee"


class SettlementState(enum.StrEnum):
    #: payer side: the hold is placed and the Offer sent; waiting for the payee city's vote
    preparing = "preparing"
    #: payee side: voted yes, the hold is placed; waiting for the decision
    prepared = "prepared"
    #: both sides: the holds are posted
    committed = "committed"
    #: payer side: the payee city acknowledged the commit (its receipt arrived)
    acked = "acked"
    #: payee side: voted no; nothing was held
    rejected = "rejected"
    #: both sides: the holds are voided (or, for a payee tombstone, never placed)
    aborted = "aborted"


class Settlement(Base):
    __tablename__ = "settlements"
    __table_args__ = (
        CheckConstraint("source_amount >= 0 AND target_amount >= 0", name="amounts_not_negative"),
        Index("ix_settlements_state", "state", "role"),
        Index("ix_settlements_partner", "partner", "committed_seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: our page's id: a UUID at the payer's city, a hash of `uri` at the payee's city
    public_id: Mapped[str] = mapped_column(String(64), unique=True)
    #: the payer city's Settlement object id, the same on both sides
    uri: Mapped[str] = mapped_column(String(2000), unique=True)
    role: Mapped[SettlementRole] = mapped_column(Enum(SettlementRole, native_enum=False, length=8))
    state: Mapped[SettlementState] = mapped_column(
        Enum(SettlementState, native_enum=False, length=16)
    )
    #: the other city's instance actor
    partner: Mapped[str] = mapped_column(String(2000))
    agreement_id: Mapped[int | None] = mapped_column(
        ForeignKey("agreements.id", ondelete="SET NULL"), index=True
    )
    agreement_uri: Mapped[str] = mapped_column(String(2000), default="")
    #: a pledge to a project (at both cities): the project's id; the agreement fields are then
    #: empty, `agreement_uri` and `payee` are the project's id too
    project_uri: Mapped[str | None] = mapped_column(String(2000), index=True)
    #: payer side of a pledge: when the project's city voted yes (the decision then waits for
    #: the project's: funded commits, failed or cancelled aborts)
    voted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the paying member's actor id (at the payer's city) and the paid member's (payee's city)
    payer: Mapped[str] = mapped_column(String(2000), default="")
    payee: Mapped[str] = mapped_column(String(2000), default="")
    #: our member in it (the payer at the payer's city, the payee at the payee's city)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    source_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    source_currency: Mapped[str] = mapped_column(String(8), default="")
    source_scale: Mapped[int] = mapped_column(default=0)
    target_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    target_currency: Mapped[str] = mapped_column(String(8), default="")
    target_scale: Mapped[int] = mapped_column(default=0)
    #: the fee leg at the payer's city, in the source currency (0: none)
    fee_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    rule: Mapped[str] = mapped_column(String(2000), default="")
    rule_hash: Mapped[str] = mapped_column(String(100), default="")
    #: the holds last until then; past it the payee's city asks the payer's city
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the payer's city never commits after it (presumed abort)
    decision_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: sha256 of the terms: a second Offer with the same id and other terms is refused
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    #: why it was refused or aborted (a code such as `rule_hash_mismatch`), with its message
    code: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    #: True when the refusal is temporary (retrying later may succeed)
    temporary: Mapped[bool] = mapped_column(default=False)
    #: an admin forced the outcome (`comptoir settlements resolve`)
    disputed: Mapped[bool] = mapped_column(default=False)
    #: position among the committed settlements with this partner (statements)
    committed_seq: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Reconciliation(Base):
    """One comparison of our statement of settlements with a partner city against its own.

    `status`: OK (the statements agree), ALERT (they agree, but the net position is past
    half a cap), KO (they differ: new settlements with the partner are refused until a later
    comparison agrees; `differing` lists the settlement ids found on one side only or with
    other amounts), or STALE (the partner's statement could not be fetched).
    """

    __tablename__ = "settlement_reconciliations"
    __table_args__ = (Index("ix_settlement_reconciliations_partner", "partner", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner: Mapped[str] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(8))
    our_hash: Mapped[str] = mapped_column(String(64), default="")
    their_hash: Mapped[str] = mapped_column(String(64), default="")
    our_count: Mapped[int] = mapped_column(default=0)
    their_count: Mapped[int] = mapped_column(default=0)
    #: the settlement ids that differ, newline-separated
    differing: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
