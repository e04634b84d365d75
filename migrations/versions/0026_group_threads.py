"""Other cities' discussion threads as kept here: `group_threads` (the Group a kept thread is
in, and its moderators' pin and lock).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "group_threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("group_uri", sa.String(length=2000), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["notes.id"],
            name=op.f("fk_group_threads_note_id_notes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_threads")),
        sa.UniqueConstraint("note_id", name=op.f("uq_group_threads_note_id")),
    )
    op.create_index("ix_group_threads_group_uri", "group_threads", ["group_uri"])


def downgrade() -> None:
    op.drop_index("ix_group_threads_group_uri", table_name="group_threads")
    op.drop_table("group_threads")
