"""`ix_notes_author` only over our members' notes.

Most notes are remote (`member_id` NULL). SQLite's planner statistics (`sqlite_stat1`) count
NULLs as one value, so after `ANALYZE` the full index looked like it matched every note and
a member's notes were found by scanning them all (verify_credentials' status count, a
member's statuses). The partial index holds only our members' notes, and `member_id = ?`
implies its condition on both databases.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

LOCAL = sa.text("member_id IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_notes_author", table_name="notes")
    op.create_index(
        "ix_notes_author",
        "notes",
        ["member_id", "id"],
        sqlite_where=LOCAL,
        postgresql_where=LOCAL,
    )


def downgrade() -> None:
    op.drop_index("ix_notes_author", table_name="notes")
    op.create_index("ix_notes_author", "notes", ["member_id", "id"])
