"""Notifications say who did it and about which note: `notifications.remote_actor_id` and
`notifications.note_id`, so the Mastodon API shows follows, likes, boosts and direct notes
as `follow`, `favourite`, `reblog` and `mention` of the real account and status.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("remote_actor_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("note_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_remote_actor_id_remote_actors"),
            "remote_actors",
            ["remote_actor_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_note_id_notes"),
            "notes",
            ["note_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_notifications_note_id_notes"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_notifications_remote_actor_id_remote_actors"), type_="foreignkey"
        )
        batch_op.drop_column("note_id")
        batch_op.drop_column("remote_actor_id")
