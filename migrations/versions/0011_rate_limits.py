"""Rate limits shared by every process of a city: `rate_limits`, one token bucket per row.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limits",
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_rate_limits")),
    )
    op.create_index("ix_rate_limits_updated_at", "rate_limits", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_rate_limits_updated_at", table_name="rate_limits")
    op.drop_table("rate_limits")
