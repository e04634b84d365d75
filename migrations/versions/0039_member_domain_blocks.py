"""Members' domain blocks from Mastodon apps: `member_domain_blocks`
(models/member_domain_block.py) and `members.blocked_domains`, the count the home statement's
shape reads with the member.

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_domain_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=300), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_member_domain_blocks_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_domain_blocks")),
        sa.UniqueConstraint(
            "member_id", "domain", name=op.f("uq_member_domain_blocks_member_id_domain")
        ),
    )
    # a plain ADD COLUMN (see 0031: a batch copy of `members` cascades on SQLite)
    op.add_column(
        "members",
        sa.Column("blocked_domains", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )


def downgrade() -> None:
    # plain DROP COLUMN (SQLite 3.35+), as 0037: a batch copy of members would cascade
    op.drop_column("members", "blocked_domains")
    op.drop_table("member_domain_blocks")
