"""Members' lists (Mastodon's lists): `member_lists` (title, replies policy, exclusive) and
`list_accounts` (the remote accounts in a list, each tied to the member's follow of it, so
that ending the follow takes the account out: models/member_list.py).

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "replies_policy",
            sa.Enum(
                "followed", "list", "none", name="repliespolicy", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("exclusive", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_member_lists_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_lists")),
    )
    with op.batch_alter_table("member_lists", schema=None) as batch_op:
        batch_op.create_index("ix_member_lists_member", ["member_id", "id"], unique=False)

    op.create_table(
        "list_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("remote_actor_id", sa.Integer(), nullable=False),
        sa.Column("follow_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["follow_id"],
            ["follows.id"],
            name=op.f("fk_list_accounts_follow_id_follows"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["member_lists.id"],
            name=op.f("fk_list_accounts_list_id_member_lists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["remote_actor_id"],
            ["remote_actors.id"],
            name=op.f("fk_list_accounts_remote_actor_id_remote_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_accounts")),
        sa.UniqueConstraint(
            "list_id", "remote_actor_id", name=op.f("uq_list_accounts_list_id_remote_actor_id")
        ),
    )
    with op.batch_alter_table("list_accounts", schema=None) as batch_op:
        batch_op.create_index("ix_list_accounts_actor", ["remote_actor_id"], unique=False)
        batch_op.create_index("ix_list_accounts_follow", ["follow_id"], unique=False)


def downgrade() -> None:
    op.drop_table("list_accounts")
    op.drop_table("member_lists")
