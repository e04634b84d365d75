"""The Mastodon client API's own rows: `conversation_marks`, a member's read and removed
marks on a negotiation thread shown as a conversation (models/conversation_mark.py), and
`media_attachments`, photos uploaded from apps (models/media_attachment.py); and an index
on `notes.in_reply_to`: every page of statuses counts the replies to each, which scanned the
whole table (bench/timeline.py, docs/BENCHMARKS.md).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("negotiation_id", sa.Integer(), nullable=False),
        sa.Column("read_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_conversation_marks_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["negotiation_id"],
            ["negotiations.id"],
            name=op.f("fk_conversation_marks_negotiation_id_negotiations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_marks")),
        sa.UniqueConstraint(
            "member_id", "negotiation_id", name=op.f("uq_conversation_marks_member_id_negotiation_id")
        ),
    )
    op.create_table(
        "media_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("file", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_media_attachments_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["notes.id"],
            name=op.f("fk_media_attachments_note_id_notes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_attachments")),
        sa.UniqueConstraint("file", name=op.f("uq_media_attachments_file")),
    )
    op.create_index(
        "ix_media_attachments_member", "media_attachments", ["member_id", "id"], unique=False
    )
    op.create_index(
        op.f("ix_media_attachments_note_id"), "media_attachments", ["note_id"], unique=False
    )


    op.create_index("ix_notes_in_reply_to", "notes", ["in_reply_to"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_notes_in_reply_to", table_name="notes")
    op.drop_index(op.f("ix_media_attachments_note_id"), table_name="media_attachments")
    op.drop_index("ix_media_attachments_member", table_name="media_attachments")
    op.drop_table("media_attachments")
    op.drop_table("conversation_marks")
