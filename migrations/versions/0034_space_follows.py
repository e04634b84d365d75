"""Members following this city's own discussion spaces from an app: `space_follows`
(models/space_follow.py).

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-12
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "space_follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_space_follows_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["discussion_spaces.id"],
            name=op.f("fk_space_follows_space_id_discussion_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_space_follows")),
        sa.UniqueConstraint(
            "member_id", "space_id", name=op.f("uq_space_follows_member_id_space_id")
        ),
    )
    with op.batch_alter_table("space_follows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_space_follows_space_id"), ["space_id"], unique=False)


def downgrade() -> None:
    op.drop_table("space_follows")
