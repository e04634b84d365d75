"""Deliveries that failed for good: `delivery_failures` (models/delivery_failure.py), and
the time of a host's latest failed delivery (`hosts.last_failure_at`, for the admin's view).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hosts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_failure_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "delivery_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("activity_uri", sa.String(length=2000), nullable=False),
        sa.Column("activity_type", sa.String(length=60), nullable=False),
        sa.Column("object_uri", sa.String(length=2000), nullable=True),
        sa.Column("inbox", sa.String(length=2000), nullable=False),
        sa.Column("authority", sa.String(length=300), nullable=False),
        sa.Column(
            "reason",
            sa.Enum(
                "refused",
                "not_federated",
                "rejected",
                "unreachable",
                "failed",
                name="failurereason",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("failed_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_failures")),
        sa.UniqueConstraint("job_id", name=op.f("uq_delivery_failures_job_id")),
    )
    with op.batch_alter_table("delivery_failures", schema=None) as batch_op:
        batch_op.create_index("ix_delivery_failures_activity", ["activity_uri"], unique=False)
        batch_op.create_index("ix_delivery_failures_object", ["object_uri"], unique=False)
        batch_op.create_index("ix_delivery_failures_authority", ["authority"], unique=False)


def downgrade() -> None:
    op.drop_table("delivery_failures")
    with op.batch_alter_table("hosts", schema=None) as batch_op:
        batch_op.drop_column("last_failure_at")
