"""Partnerships and exchange rules agreed by both cities; the quote fixed at agreement.

The one-sided `exchange_rules` of `comptoir rates set` is replaced: a rule set by one city alone
was never agreed by the other, so its rows cannot become agreed rules and are dropped (the
admin proposes them again with `comptoir partners propose`).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

STATUSES = ("proposed", "active", "suspended", "retired", "rejected")


def upgrade() -> None:
    with op.batch_alter_table("exchange_rules", schema=None) as batch_op:
        batch_op.drop_index("ix_exchange_rules_pair")
    op.drop_table("exchange_rules")

    op.create_table(
        "partnerships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner", sa.String(length=2000), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("inbox", sa.String(length=2000), nullable=False),
        sa.Column("currency", sa.String(length=8), nullable=False),
        sa.Column("scale", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partnerships")),
        sa.UniqueConstraint("partner", name=op.f("uq_partnerships_partner")),
    )
    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partnerships_domain"), ["domain"], unique=False)

    op.create_table(
        "exchange_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uri", sa.String(length=2000), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("partner", sa.String(length=2000), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("replaces_uri", sa.String(length=2000), nullable=True),
        sa.Column("proposer", sa.String(length=2000), nullable=False),
        sa.Column("responder", sa.String(length=2000), nullable=False),
        sa.Column("proposer_currency", sa.String(length=8), nullable=False),
        sa.Column("proposer_scale", sa.Integer(), nullable=False),
        sa.Column("responder_currency", sa.String(length=8), nullable=False),
        sa.Column("responder_scale", sa.Integer(), nullable=False),
        sa.Column("num", sa.BigInteger(), nullable=False),
        sa.Column("den", sa.BigInteger(), nullable=False),
        sa.Column("fee_bps", sa.Integer(), nullable=False),
        sa.Column("min_amount", sa.BigInteger(), nullable=False),
        sa.Column("max_amount", sa.BigInteger(), nullable=False),
        sa.Column("import_cap", sa.BigInteger(), nullable=False),
        sa.Column("export_cap", sa.BigInteger(), nullable=False),
        sa.Column("valid_from", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum(*STATUSES, name="rulestatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("suspended_by", sa.String(length=2000), nullable=True),
        sa.Column("status_reason", sa.Text(), nullable=False),
        sa.Column("offer_uri", sa.String(length=2000), nullable=False),
        sa.Column("answer_uri", sa.String(length=2000), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("activated_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("num > 0 AND den > 0", name=op.f("ck_exchange_rules_rate_positive")),
        sa.CheckConstraint(
            "fee_bps >= 0 AND fee_bps < 10000", name=op.f("ck_exchange_rules_fee_in_range")
        ),
        sa.CheckConstraint(
            "min_amount > 0 AND min_amount <= max_amount", name=op.f("ck_exchange_rules_min_max")
        ),
        sa.CheckConstraint(
            "import_cap >= 0 AND export_cap >= 0",
            name=op.f("ck_exchange_rules_caps_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_exchange_rules_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_rules")),
        sa.UniqueConstraint("uri", name=op.f("uq_exchange_rules_uri")),
        sa.UniqueConstraint("offer_uri", name=op.f("uq_exchange_rules_offer_uri")),
    )
    with op.batch_alter_table("exchange_rules", schema=None) as batch_op:
        batch_op.create_index(
            "ix_exchange_rules_partner_status", ["partner", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_exchange_rules_partnership_id"), ["partnership_id"], unique=False
        )

    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rule_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("rule_uri", sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column("rule_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("buyer_amount", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("buyer_currency", sa.String(length=8), nullable=True))
        batch_op.create_index(batch_op.f("ix_agreements_rule_id"), ["rule_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_agreements_rule_id_exchange_rules"),
            "exchange_rules",
            ["rule_id"],
            ["id"],
            ondelete="RESTRICT",
        )


def downgrade() -> None:
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_agreements_rule_id_exchange_rules"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_agreements_rule_id"))
        batch_op.drop_column("buyer_currency")
        batch_op.drop_column("buyer_amount")
        batch_op.drop_column("rule_hash")
        batch_op.drop_column("rule_uri")
        batch_op.drop_column("rule_id")

    with op.batch_alter_table("exchange_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_rules_partnership_id"))
        batch_op.drop_index("ix_exchange_rules_partner_status")
    op.drop_table("exchange_rules")
    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partnerships_domain"))
    op.drop_table("partnerships")

    op.create_table(
        "exchange_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payer_currency", sa.String(length=8), nullable=False),
        sa.Column("target_currency", sa.String(length=8), nullable=False),
        sa.Column("partner", sa.String(length=2000), nullable=False),
        sa.Column("num", sa.Integer(), nullable=False),
        sa.Column("den", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(*STATUSES[:4], name="rulestatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("valid_from", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("num > 0 AND den > 0", name=op.f("ck_exchange_rules_rate_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_rules")),
    )
    with op.batch_alter_table("exchange_rules", schema=None) as batch_op:
        batch_op.create_index(
            "ix_exchange_rules_pair", ["payer_currency", "target_currency", "status"], unique=False
        )
