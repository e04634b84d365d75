"""Cross-city settlements: `settlements`, one row per settlement on each side.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settlements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=64), nullable=False),
        sa.Column("uri", sa.String(length=2000), nullable=False),
        sa.Column(
            "role",
            sa.Enum("payer", "payee", name="settlementrole", native_enum=False, length=8),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "preparing",
                "prepared",
                "committed",
                "acked",
                "rejected",
                "aborted",
                name="settlementstate",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("partner", sa.String(length=2000), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=True),
        sa.Column("agreement_uri", sa.String(length=2000), nullable=False),
        sa.Column("payer", sa.String(length=2000), nullable=False),
        sa.Column("payee", sa.String(length=2000), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("source_amount", sa.BigInteger(), nullable=False),
        sa.Column("source_currency", sa.String(length=8), nullable=False),
        sa.Column("source_scale", sa.Integer(), nullable=False),
        sa.Column("target_amount", sa.BigInteger(), nullable=False),
        sa.Column("target_currency", sa.String(length=8), nullable=False),
        sa.Column("target_scale", sa.Integer(), nullable=False),
        sa.Column("fee_amount", sa.BigInteger(), nullable=False),
        sa.Column("rule", sa.String(length=2000), nullable=False),
        sa.Column("rule_hash", sa.String(length=100), nullable=False),
        sa.Column("expires_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_deadline", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("temporary", sa.Boolean(), nullable=False),
        sa.Column("disputed", sa.Boolean(), nullable=False),
        sa.Column("committed_seq", sa.Integer(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "source_amount >= 0 AND target_amount >= 0",
            name=op.f("ck_settlements_amounts_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_settlements_agreement_id_agreements"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_settlements_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlements")),
        sa.UniqueConstraint("public_id", name=op.f("uq_settlements_public_id")),
        sa.UniqueConstraint("uri", name=op.f("uq_settlements_uri")),
    )
    with op.batch_alter_table("settlements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_settlements_agreement_id"), ["agreement_id"], unique=False
        )
        batch_op.create_index("ix_settlements_state", ["state", "role"], unique=False)
        batch_op.create_index("ix_settlements_partner", ["partner", "committed_seq"], unique=False)
    op.create_table(
        "settlement_reconciliations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("our_hash", sa.String(length=64), nullable=False),
        sa.Column("their_hash", sa.String(length=64), nullable=False),
        sa.Column("our_count", sa.Integer(), nullable=False),
        sa.Column("their_count", sa.Integer(), nullable=False),
        sa.Column("differing", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("checked_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_reconciliations")),
    )
    with op.batch_alter_table("settlement_reconciliations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_settlement_reconciliations_partner", ["partner", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("settlement_reconciliations", schema=None) as batch_op:
        batch_op.drop_index("ix_settlement_reconciliations_partner")
    op.drop_table("settlement_reconciliations")
    with op.batch_alter_table("settlements", schema=None) as batch_op:
        batch_op.drop_index("ix_settlements_partner")
        batch_op.drop_index("ix_settlements_state")
        batch_op.drop_index(batch_op.f("ix_settlements_agreement_id"))
    op.drop_table("settlements")
