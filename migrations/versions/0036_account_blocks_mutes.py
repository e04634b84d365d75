"""Members' blocks and mutes (Mastodon's): `account_blocks` (a member blocking an account,
or a remote actor's Block of a member received) and `account_mutes`
(models/account_block.py, models/account_mute.py).

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def _account_columns(table: str) -> list[sa.SchemaItem]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("target_member_id", sa.Integer(), nullable=True),
        sa.Column("remote_actor_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f(f"fk_{table}_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_member_id"],
            ["members.id"],
            name=op.f(f"fk_{table}_target_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["remote_actor_id"],
            ["remote_actors.id"],
            name=op.f(f"fk_{table}_remote_actor_id_remote_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "account_blocks",
        *_account_columns("account_blocks"),
        sa.Column("incoming", sa.Boolean(), nullable=False),
        sa.Column("activity_uri", sa.String(2000), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_account_blocks_member", "account_blocks", ["member_id", "incoming", "id"]
    )
    op.create_index("ix_account_blocks_actor", "account_blocks", ["remote_actor_id"])
    op.create_index(
        op.f("ix_account_blocks_target_member_id"), "account_blocks", ["target_member_id"]
    )
    op.create_table(
        "account_mutes",
        *_account_columns("account_mutes"),
        sa.Column("notifications", sa.Boolean(), nullable=False),
        sa.Column("expires_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_account_mutes_member", "account_mutes", ["member_id", "id"])
    op.create_index(
        op.f("ix_account_mutes_target_member_id"), "account_mutes", ["target_member_id"]
    )
    op.create_index(
        op.f("ix_account_mutes_remote_actor_id"), "account_mutes", ["remote_actor_id"]
    )


def downgrade() -> None:
    op.drop_table("account_mutes")
    op.drop_table("account_blocks")
