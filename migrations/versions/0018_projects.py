"""Local projects and their pledges: `projects`, `pledges`; `members.organisation_since` (issue
15, organisations and projects).

The new account kind `project` and transfer kind `pledge` need no change to the schema: both
enums are stored as strings without a CHECK constraint.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

PROJECT_STATES = ("draft", "open", "funded", "failed", "cancelled")
PLEDGE_STATES = ("pending", "committed", "voided")


def upgrade() -> None:
    op.add_column(
        "members",
        sa.Column("organisation_since", models.base.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("uri", sa.String(length=2000), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("goal", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=8), nullable=False),
        sa.Column("deadline", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(*PROJECT_STATES, name="projectstate", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("opened_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_total", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("goal > 0", name=op.f("ck_projects_goal_positive")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["members.id"], name=op.f("fk_projects_owner_id_members"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_projects_account_id_accounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["members.id"], name=op.f("fk_projects_approved_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("slug", name=op.f("uq_projects_slug")),
        sa.UniqueConstraint("uri", name=op.f("uq_projects_uri")),
    )
    op.create_index("ix_projects_state", "projects", ["state", "deadline"])
    op.create_index("ix_projects_owner_id", "projects", ["owner_id"])
    op.create_table(
        "pledges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("transfer_id", sa.String(length=120), nullable=False),
        sa.Column(
            "state",
            sa.Enum(*PLEDGE_STATES, name="pledgestate", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_pledges_amount_positive")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_pledges_project_id_projects"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_pledges_member_id_members"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledges")),
        sa.UniqueConstraint("public_id", name=op.f("uq_pledges_public_id")),
        sa.UniqueConstraint("transfer_id", name=op.f("uq_pledges_transfer_id")),
    )
    op.create_index("ix_pledges_project_state", "pledges", ["project_id", "state", "id"])
    op.create_index("ix_pledges_member", "pledges", ["member_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_pledges_member", table_name="pledges")
    op.drop_index("ix_pledges_project_state", table_name="pledges")
    op.drop_table("pledges")
    op.drop_index("ix_projects_owner_id", table_name="projects")
    op.drop_index("ix_projects_state", table_name="projects")
    op.drop_table("projects")
    with op.batch_alter_table("members") as batch_op:
        batch_op.drop_column("organisation_since")
