"""The city currency's ledger: accounts, transfers with their legs, resolutions of pending
transfers, and the log of credit-limit changes.

The shape follows TigerBeetle (shared/research/currency.md, sections 6 and 9.2):

- An account never stores a balance, only four running totals: posted and pending debits and
  credits. balance = credits_posted - debits_posted. Summed over every account, debits equal
  credits, so the balances of a city always add up to zero.
- A transfer is immutable. Its legs each move `amount` from the debit account to the credit
  account, so every transfer is balanced by construction. A correction is a new transfer that
  names the one it corrects.
- A pending transfer (two-phase) only moves the pending totals. It is resolved at most once,
  by a new `TransferResolution` row (posted, voided or expired), unique per pending transfer.

Amounts are integers in minor units of the currency (10^-scale).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Enum, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow


class AccountKind(enum.StrEnum):
    #: a resident's account, key `member:<username>`
    member = "member"
    #: the city's own accounts, key `system:<name>` (see SystemAccount)
    system = "system"
    #: a partner city's position in our currency, key `peer:<instance actor URI>`; settlement only
    peer = "peer"
    #: a local project's pot, key `project:<slug>`: receives pledges, never pays (floor 0)
    project = "project"


class SystemAccount(enum.StrEnum):
    #: counter-account of grants and onboarding credit; may go negative without limit
    issuance = "issuance"
    #: receives transaction fees
    fees = "fees"
    #: counter-account of admin corrections, each with a reason
    adjustments = "adjustments"
    #: covers write-offs of departed negative accounts
    reserve = "reserve"
    #: receives demurrage charged on positive balances
    demurrage = "demurrage"


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint(
            "debits_posted >= 0 AND credits_posted >= 0 "
            "AND debits_pending >= 0 AND credits_pending >= 0",
            name="totals_not_negative",
        ),
        CheckConstraint("min_balance IS NULL OR min_balance <= 0", name="min_balance_not_positive"),
        CheckConstraint("max_balance IS NULL OR max_balance >= 0", name="max_balance_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: `member:alice`, `system:fees`, `peer:https://b.example/actor`: the name on statements and
    #: the wire
    key: Mapped[str] = mapped_column(String(600), unique=True)
    kind: Mapped[AccountKind] = mapped_column(Enum(AccountKind, native_enum=False, length=16))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="RESTRICT"), unique=True
    )
    #: the partner instance's actor URI, for peer accounts
    peer_uri: Mapped[str | None] = mapped_column(String(500))
    debits_posted: Mapped[int] = mapped_column(BigInteger, default=0)
    credits_posted: Mapped[int] = mapped_column(BigInteger, default=0)
    debits_pending: Mapped[int] = mapped_column(BigInteger, default=0)
    credits_pending: Mapped[int] = mapped_column(BigInteger, default=0)
    #: the floor: minus the credit limit (<= 0); None for no floor (issuance, adjustments)
    min_balance: Mapped[int | None] = mapped_column(BigInteger)
    #: the ceiling; None for none
    max_balance: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def balance(self) -> int:
        return self.credits_posted - self.debits_posted

    @property
    def available(self) -> int:
        """What the account can still spend: pending debits are already spoken for."""
        floor = self.min_balance if self.min_balance is not None else 0
        return self.credits_posted - self.debits_posted - self.debits_pending - floor


class TransferKind(enum.StrEnum):
    #: a direct transfer between two members, with a memo
    payment = "payment"
    #: the payment of an agreement (negotiation), in the same transaction as its state change
    agreement = "agreement"
    #: an admin correction through system:adjustments
    adjustment = "adjustment"
    #: periodic charge on a positive balance
    demurrage = "demurrage"
    #: cross-city settlement; the only kind that may touch a peer account
    settlement = "settlement"
    #: a member's pledge to a project: pending until the project's deadline decides it
    pledge = "pledge"
    #: a funded project's money paid out of `project:<slug>` to a member (its organiser,
    #: someone who worked or supplied for it): exchange/project_payouts.py
    payout = "payout"


class LegPurpose(enum.StrEnum):
    amount = "amount"
    fee = "fee"


class Transfer(Base):
    __tablename__ = "transfers"
    __table_args__ = (
        # only pending transfers with a deadline are ever looked up by it (the expiry sweep)
        Index(
            "ix_transfers_expires_at",
            "expires_at",
            postgresql_where=text("expires_at IS NOT NULL"),
            sqlite_where=text("expires_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: chosen by the client (idempotency key) or generated; system ids contain ':'
    public_id: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[TransferKind] = mapped_column(Enum(TransferKind, native_enum=False, length=16))
    #: sha256 of the request's fields: a retry with the same id must carry the same fields
    fingerprint: Mapped[str] = mapped_column(String(64))
    pending: Mapped[bool] = mapped_column(default=False)
    #: a pending transfer not resolved by then expires (deterministic timeout)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    memo: Mapped[str] = mapped_column(Text, default="")
    #: what the transfer pays for, e.g. an agreement's id
    reference: Mapped[str | None] = mapped_column(String(500))
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("transfers.id", ondelete="RESTRICT"))
    #: the member who asked for it (payer, or the admin of an adjustment); None for the system
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    legs: Mapped[list[TransferLeg]] = relationship(
        back_populates="transfer", lazy="raise", order_by="TransferLeg.position"
    )


class TransferLeg(Base):
    """One movement of `amount` from the debit account to the credit account."""

    __tablename__ = "transfer_legs"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("debit_account_id <> credit_account_id", name="two_accounts"),
        Index("ix_transfer_legs_debit", "debit_account_id", "id"),
        Index("ix_transfer_legs_credit", "credit_account_id", "id"),
        Index("ix_transfer_legs_transfer", "transfer_id", "position", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id", ondelete="RESTRICT"))
    position: Mapped[int] = mapped_column(default=0)
    debit_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="RESTRICT"))
    credit_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="RESTRICT"))
    amount: Mapped[int] = mapped_column(BigInteger)
    purpose: Mapped[LegPurpose] = mapped_column(Enum(LegPurpose, native_enum=False, length=16))

    transfer: Mapped[Transfer] = relationship(back_populates="legs", lazy="raise")


class Outcome(enum.StrEnum):
    posted = "posted"
    voided = "voided"
    expired = "expired"


class TransferResolution(Base):
    """How a pending transfer ended. Unique per pending transfer: it resolves at most once."""

    __tablename__ = "transfer_resolutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the client's id for the post or void request (idempotency), or derived for expiry
    public_id: Mapped[str] = mapped_column(String(120), unique=True)
    pending_id: Mapped[int] = mapped_column(
        ForeignKey("transfers.id", ondelete="RESTRICT"), unique=True
    )
    outcome: Mapped[Outcome] = mapped_column(Enum(Outcome, native_enum=False, length=16))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LimitChange(Base):
    """An admin's change of an account's floor or ceiling, with the reason (an audit trail)."""

    __tablename__ = "account_limit_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="RESTRICT"), index=True
    )
    old_min_balance: Mapped[int | None] = mapped_column(BigInteger)
    new_min_balance: Mapped[int | None] = mapped_column(BigInteger)
    old_max_balance: Mapped[int | None] = mapped_column(BigInteger)
    new_max_balance: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    #: the admin; None for the command line
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
