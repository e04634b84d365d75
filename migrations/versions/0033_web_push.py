"""Web Push: apps' subscriptions, one per access token (`web_push_subscriptions`), and the
city's VAPID key pair (`vapid_keys`), models/web_push.py.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import models.base

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_push_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("endpoint", sa.Text(), nullable=False),
        sa.Column("key_p256dh", sa.String(length=100), nullable=False),
        sa.Column("key_auth", sa.String(length=50), nullable=False),
        sa.Column(
            "alerts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "policy",
            sa.Enum("all", "followed", "follower", "none", name="pushpolicy", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("standard", sa.Boolean(), nullable=False),
        sa.Column("sealed_token", sa.Text(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_tokens.id"],
            name=op.f("fk_web_push_subscriptions_token_id_api_tokens"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_web_push_subscriptions_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_push_subscriptions")),
        sa.UniqueConstraint("token_id", name=op.f("uq_web_push_subscriptions_token_id")),
    )
    with op.batch_alter_table("web_push_subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_web_push_subscriptions_member_id"), ["member_id"], unique=False
        )
    op.create_table(
        "vapid_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("private_key_pem", sa.Text(), nullable=False),
        sa.Column("public_key", sa.String(length=100), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vapid_keys")),
        sa.UniqueConstraint("name", name=op.f("uq_vapid_keys_name")),
    )


def downgrade() -> None:
    op.drop_table("vapid_keys")
    with op.batch_alter_table("web_push_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_push_subscriptions_member_id"))
    op.drop_table("web_push_subscriptions")
