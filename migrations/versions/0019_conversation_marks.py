"""Negotiations as Mastodon conversations: `conversation_marks`, a member's read and removed
marks on a negotiation thread (models/conversation_mark.py).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("negotiation_id", sa.Integer(), nullable=False),
        sa.Column("read_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_conversation_marks_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["negotiation_id"],
            ["negotiations.id"],
            name=op.f("fk_conversation_marks_negotiation_id_negotiations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_marks")),
        sa.UniqueConstraint(
            "member_id", "negotiation_id", name=op.f("uq_conversation_marks_member_id_negotiation_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("conversation_marks")
