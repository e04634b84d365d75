"""Remote accounts' pinned posts, read from their `featured` collection: `remote_pins`
(models/remote_pin.py).

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0046"
down_revision = "0045"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "remote_pins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("remote_actor_id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["notes.id"],
            name=op.f("fk_remote_pins_note_id_notes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["remote_actor_id"],
            ["remote_actors.id"],
            name=op.f("fk_remote_pins_remote_actor_id_remote_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remote_pins")),
        sa.UniqueConstraint(
            "remote_actor_id", "note_id", name=op.f("uq_remote_pins_remote_actor_id_note_id")
        ),
    )
    op.create_index(op.f("ix_remote_pins_note_id"), "remote_pins", ["note_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_remote_pins_note_id"), table_name="remote_pins")
    op.drop_table("remote_pins")
