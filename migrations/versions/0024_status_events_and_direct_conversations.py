"""The status journal `status_events` (a status removed or edited, read by the streaming
API: models/status_event.py); direct messages between two members of the city
(`direct_messages.peer_member_id`, `remote_actor_id` now optional: the other party is a
remote account or a member); and read and removed marks on a member's direct-message
conversation: `conversation_marks.remote_actor_id` and `peer_member_id`, with
`negotiation_id` now optional (a mark is on a negotiation thread or on a conversation).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "status_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("delete", "update", name="statuseventkind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["status_id"],
            ["statuses.id"],
            name=op.f("fk_status_events_status_id_statuses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_events")),
    )
    with op.batch_alter_table("status_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_status_events_status_id"), ["status_id"], unique=False)
    with op.batch_alter_table("direct_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("peer_member_id", sa.Integer(), nullable=True))
        batch_op.alter_column("remote_actor_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_direct_messages_peer_member_id_members"),
            "members",
            ["peer_member_id"],
            ["id"],
            ondelete="CASCADE",
        )
    with op.batch_alter_table("conversation_marks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("remote_actor_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("peer_member_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_conversation_marks_peer_member_id_members"),
            "members",
            ["peer_member_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_conversation_marks_member_id_peer_member_id"),
            ["member_id", "peer_member_id"],
        )
        batch_op.alter_column("negotiation_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_conversation_marks_remote_actor_id_remote_actors"),
            "remote_actors",
            ["remote_actor_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_conversation_marks_member_id_remote_actor_id"),
            ["member_id", "remote_actor_id"],
        )


def downgrade() -> None:
    op.execute("DELETE FROM conversation_marks WHERE negotiation_id IS NULL")
    op.execute("DELETE FROM direct_messages WHERE remote_actor_id IS NULL")
    with op.batch_alter_table("conversation_marks", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_conversation_marks_member_id_peer_member_id"), type_="unique"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_conversation_marks_peer_member_id_members"), type_="foreignkey"
        )
        batch_op.drop_column("peer_member_id")
        batch_op.drop_constraint(
            batch_op.f("uq_conversation_marks_member_id_remote_actor_id"), type_="unique"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_conversation_marks_remote_actor_id_remote_actors"), type_="foreignkey"
        )
        batch_op.alter_column("negotiation_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("remote_actor_id")
    with op.batch_alter_table("direct_messages", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_direct_messages_peer_member_id_members"), type_="foreignkey"
        )
        batch_op.alter_column("remote_actor_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("peer_member_id")
    with op.batch_alter_table("status_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_events_status_id"))
    op.drop_table("status_events")
