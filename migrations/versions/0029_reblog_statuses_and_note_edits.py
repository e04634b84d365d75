"""Reblogs as statuses of their own: `statuses.reblog_of_id` (the status shown), by a member
(`reblog_member_id`, their `status_reactions` reblog) or a remote account (`reblog_actor_id`,
its Announce), `undone_at` when taken back (models/status.py); the earlier versions of edited notes,
`note_edits` (models/note_edit.py); a note's content warning and sensitive mark
(`notes.summary`, `notes.sensitive`, and on each kept version).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import models.base

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "note_edits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column(
            "attachments",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_note_edits_note_id_notes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note_edits")),
    )
    with op.batch_alter_table("note_edits", schema=None) as batch_op:
        batch_op.create_index("ix_note_edits_note", ["note_id", "id"], unique=False)
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("summary", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("sensitive", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("statuses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reblog_of_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reblog_member_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reblog_actor_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("undone_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_statuses_reblog_of_id"), ["reblog_of_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_statuses_reblog_of_id_statuses"),
            "statuses",
            ["reblog_of_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_statuses_reblog_member_id_members"),
            "members",
            ["reblog_member_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_statuses_reblog_actor_id_remote_actors"),
            "remote_actors",
            ["reblog_actor_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.drop_column("sensitive")
        batch_op.drop_column("summary")
    op.drop_table("note_edits")
    with op.batch_alter_table("statuses", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_statuses_reblog_actor_id_remote_actors"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_statuses_reblog_member_id_members"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_statuses_reblog_of_id_statuses"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_statuses_reblog_of_id"))
        batch_op.drop_column("undone_at")
        batch_op.drop_column("reblog_actor_id")
        batch_op.drop_column("reblog_member_id")
        batch_op.drop_column("reblog_of_id")
