"""Members' requests to be recognised as organisations: `organisation_requests` (issue 15),
with at most one open request per member (a partial unique index).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

OPEN = sa.text("state = 'requested'")


def upgrade() -> None:
    op.create_table(
        "organisation_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum(
            "association", "workshop", "startup", "other",
            name="organisationkind", native_enum=False, length=16,
        ), nullable=False),
        sa.Column("presentation", sa.Text(), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=False),
        sa.Column("state", sa.Enum(
            "requested", "approved", "declined", "withdrawn", "revoked",
            name="organisationrequeststate", native_enum=False, length=16,
        ), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_organisation_requests_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["members.id"],
            name=op.f("fk_organisation_requests_decided_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_requests")),
        sa.UniqueConstraint("public_id", name=op.f("uq_organisation_requests_public_id")),
    )
    op.create_index(
        "ix_organisation_requests_member_id", "organisation_requests", ["member_id"]
    )
    op.create_index(
        "ix_organisation_requests_open",
        "organisation_requests",
        ["member_id"],
        unique=True,
        postgresql_where=OPEN,
        sqlite_where=OPEN,
    )


def downgrade() -> None:
    op.drop_index("ix_organisation_requests_open", table_name="organisation_requests")
    op.drop_index("ix_organisation_requests_member_id", table_name="organisation_requests")
    op.drop_table("organisation_requests")
