"""Local projects residents fund together in the city currency, and the pledges that fund them.

A project has a goal and a deadline. Each pledge is a pending (two-phase) transfer from the
member's account to the project's own ledger account (`project:<slug>`), so it counts against
the member's credit limit at once but moves no money until the deadline. At the deadline the
project is decided once (`funded` when the pending pledges reach the goal, otherwise `failed`)
and then every pledge is resolved once: posted when funded, voided otherwise
(exchange/projects.py, services/project_jobs.py).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Date, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONDocument, UTCDateTime, utcnow


class ProjectState(enum.StrEnum):
    #: proposed by a member, waiting for staff approval; takes no pledges
    draft = "draft"
    #: approved: takes pledges until the deadline
    open = "open"
    #: the pledges reached the goal by the deadline: they are (being) posted
    funded = "funded"
    #: the goal was missed: the pledges are (being) voided
    failed = "failed"
    #: withdrawn by staff or the owner; pledges are (being) voided
    cancelled = "cancelled"


class PledgeState(enum.StrEnum):
    #: the pending transfer holds the amount against the member's limit
    pending = "pending"
    #: the pending transfer was posted: the money is the project's
    committed = "committed"
    #: the pending transfer was voided: withdrawn, or the project failed or was cancelled
    voided = "voided"


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint("goal > 0", name="goal_positive"),
        Index("ix_projects_state", "state", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the name in URLs: /projects/{slug}; also the ledger account's key `project:{slug}`
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    #: the ActivityPub id, {base}/projects/{slug}
    uri: Mapped[str] = mapped_column(String(2000), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    #: plain text as the owner typed it
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    #: up to 4 images, as a listing keeps them (exchange/photos.py): {"file", "mediaType",
    #: "alt", "width", "height"}
    photos: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    #: in minor units of `currency` (the city's)
    goal: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(8))
    #: pledges are taken until then; the project is decided at that moment
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    owner_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"), index=True)
    #: the project's ledger account, made when staff open the project
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="RESTRICT"))
    state: Mapped[ProjectState] = mapped_column(
        Enum(ProjectState, native_enum=False, length=16), default=ProjectState.draft
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the staff member who opened it
    approved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    #: when it became funded, failed or cancelled
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the pledged total that decided it, kept so the decision can be read after the fact
    decided_total: Mapped[int | None] = mapped_column(BigInteger)


class Pledge(Base):
    """One member's support of a project: one pending transfer, resolved exactly once.

    A member may pledge several times (each a pledge of its own); withdrawing voids one pledge.
    """

    __tablename__ = "pledges"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_pledges_project_state", "project_id", "state", "id"),
        Index("ix_pledges_member", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the id in URLs and the API
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"))
    #: our member who pledged; None for a resident of another city (`pledger_uri`)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    #: in minor units of the project's currency (for a remote pledge, the converted amount)
    amount: Mapped[int] = mapped_column(BigInteger)
    #: a pledge from another city: its settlement (the hold is the settlement's, and the
    #: settlement's decision, not our sweep, resolves it), the pledger's actor id, and what
    #: they pledged in their own currency (fixed by the exchange rule at pledge time)
    settlement_id: Mapped[int | None] = mapped_column(
        ForeignKey("settlements.id", ondelete="RESTRICT"), unique=True, index=True
    )
    pledger_uri: Mapped[str] = mapped_column(String(2000), default="", server_default="")
    source_amount: Mapped[int | None] = mapped_column(BigInteger)
    source_currency: Mapped[str] = mapped_column(String(8), default="", server_default="")
    #: the pending transfer's public id, `pledge:{public_id}` (a remote pledge: the
    #: settlement's hold, `settlement:{id}:hold`)
    transfer_id: Mapped[str] = mapped_column(String(120), unique=True)
    state: Mapped[PledgeState] = mapped_column(
        Enum(PledgeState, native_enum=False, length=16), default=PledgeState.pending
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
