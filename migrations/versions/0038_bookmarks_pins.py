"""Members' bookmarks and pinned statuses from Mastodon apps: `status_bookmarks`
(models/status_bookmark.py) and `status_pins` (models/status_pin.py).

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None


def _table(name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("status_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f(f"fk_{name}_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["status_id"],
            ["statuses.id"],
            name=op.f(f"fk_{name}_status_id_statuses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("member_id", "status_id", name=op.f(f"uq_{name}_member_id_status_id")),
    )


def upgrade() -> None:
    _table("status_bookmarks")
    _table("status_pins")


def downgrade() -> None:
    op.drop_table("status_pins")
    op.drop_table("status_bookmarks")
