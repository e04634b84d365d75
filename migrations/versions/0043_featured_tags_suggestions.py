"""Members' featured hashtags (`featured_tags`) and the suggestions they dismissed
(`suggestion_dismissals`), models/featured_tag.py.

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0043"
down_revision = "0042"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "featured_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("hashtag_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_featured_tags_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hashtag_id"],
            ["hashtags.id"],
            name=op.f("fk_featured_tags_hashtag_id_hashtags"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_featured_tags")),
        sa.UniqueConstraint(
            "member_id", "hashtag_id", name=op.f("uq_featured_tags_member_id_hashtag_id")
        ),
    )
    op.create_index("ix_featured_tags_hashtag_id", "featured_tags", ["hashtag_id"])
    op.create_table(
        "suggestion_dismissals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("remote_actor_id", sa.Integer(), nullable=True),
        sa.Column("space_id", sa.Integer(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(remote_actor_id IS NULL) <> (space_id IS NULL)",
            name=op.f("ck_suggestion_dismissals_one_account"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_suggestion_dismissals_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["remote_actor_id"],
            ["remote_actors.id"],
            name=op.f("fk_suggestion_dismissals_remote_actor_id_remote_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["discussion_spaces.id"],
            name=op.f("fk_suggestion_dismissals_space_id_discussion_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion_dismissals")),
        sa.UniqueConstraint(
            "member_id",
            "remote_actor_id",
            name=op.f("uq_suggestion_dismissals_member_id_remote_actor_id"),
        ),
        sa.UniqueConstraint(
            "member_id", "space_id", name=op.f("uq_suggestion_dismissals_member_id_space_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("suggestion_dismissals")
    op.drop_index("ix_featured_tags_hashtag_id", table_name="featured_tags")
    op.drop_table("featured_tags")
