"""Members' header pictures: `members.header`, the banner over a profile (Mastodon's
`header`, the actor's `image`), stored as the avatar is.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ADD COLUMN (see 0031: a batch copy of `members` cascades on SQLite)
    op.add_column("members", sa.Column("header", sa.String(64), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy of members would drop the table and
    # its foreign keys would cascade the drop to tokens and notifications.
    op.drop_column("members", "header")
