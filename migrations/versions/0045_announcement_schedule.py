"""Announcements published later (`announcements.scheduled_at`) and the reactions' journal
for the `announcement.reaction` streaming event (`announcement_reaction_events`)
(models/announcement.py).

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0045"
down_revision = "0044"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ADD COLUMN, as 0039: a batch copy of `announcements` would cascade on SQLite
    # (its read marks and reactions gone)
    op.add_column(
        "announcements",
        sa.Column("scheduled_at", models.base.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "announcement_reaction_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["announcements.id"],
            name=op.f("fk_announcement_reaction_events_announcement_id_announcements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_reaction_events")),
    )
    op.create_index(
        op.f("ix_announcement_reaction_events_announcement_id"),
        "announcement_reaction_events",
        ["announcement_id"],
    )
    op.create_index(
        op.f("ix_announcement_reaction_events_created_at"),
        "announcement_reaction_events",
        ["created_at"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_announcement_reaction_events_created_at"),
        table_name="announcement_reaction_events",
    )
    op.drop_index(
        op.f("ix_announcement_reaction_events_announcement_id"),
        table_name="announcement_reaction_events",
    )
    op.drop_table("announcement_reaction_events")
    # plain DROP COLUMN (SQLite 3.35+), as 0039
    op.drop_column("announcements", "scheduled_at")
