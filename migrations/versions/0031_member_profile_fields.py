"""Members' profile fields: `members.fields`, the name/value pairs Mastodon shows under a
profile (exchange/profile_fields.py).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    # a plain ADD COLUMN: a batch copy of `members` would drop the old table, and SQLite's
    # foreign keys would cascade that to the members' tokens and notifications
    op.add_column(
        "members", sa.Column("fields", json, nullable=False, server_default=sa.text("'[]'"))
    )


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy of members would drop the table and
    # its foreign keys would cascade the drop to tokens and notifications.
    op.drop_column("members", "fields")
