"""Members' status filters (Mastodon's `/api/v2/filters`): `status_filters`, their
`status_filter_keywords` and `status_filter_statuses` (models/status_filter.py), and
`members.status_filters`, the count read with the member so that members without filters
read none.

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0042"
down_revision = "0041"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "status_filters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("context", models.base.JSONDocument, nullable=False),
        sa.Column(
            "action",
            sa.Enum("warn", "hide", "blur", name="filteraction", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("expires_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_status_filters_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_filters")),
    )
    op.create_index("ix_status_filters_member", "status_filters", ["member_id", "id"])
    op.create_table(
        "status_filter_keywords",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filter_id", sa.Integer(), nullable=False),
        sa.Column("keyword", sa.String(length=200), nullable=False),
        sa.Column("whole_word", sa.Boolean(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["filter_id"],
            ["status_filters.id"],
            name=op.f("fk_status_filter_keywords_filter_id_status_filters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_filter_keywords")),
    )
    op.create_index(
        "ix_status_filter_keywords_filter", "status_filter_keywords", ["filter_id", "id"]
    )
    op.create_table(
        "status_filter_statuses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filter_id", sa.Integer(), nullable=False),
        sa.Column("status_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["filter_id"],
            ["status_filters.id"],
            name=op.f("fk_status_filter_statuses_filter_id_status_filters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["status_id"],
            ["statuses.id"],
            name=op.f("fk_status_filter_statuses_status_id_statuses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_filter_statuses")),
        sa.UniqueConstraint(
            "filter_id",
            "status_id",
            name=op.f("uq_status_filter_statuses_filter_id_status_id"),
        ),
    )
    op.create_index(
        "ix_status_filter_statuses_status", "status_filter_statuses", ["status_id"]
    )
    # a plain ADD COLUMN (see 0031: a batch copy of `members` cascades on SQLite)
    op.add_column(
        "members",
        sa.Column("status_filters", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )


def downgrade() -> None:
    # plain DROP COLUMN (SQLite 3.35+), as 0037: a batch copy of members would cascade
    op.drop_column("members", "status_filters")
    op.drop_index("ix_status_filter_statuses_status", table_name="status_filter_statuses")
    op.drop_table("status_filter_statuses")
    op.drop_index("ix_status_filter_keywords_filter", table_name="status_filter_keywords")
    op.drop_table("status_filter_keywords")
    op.drop_index("ix_status_filters_member", table_name="status_filters")
    op.drop_table("status_filters")
