"""Discussion threads and replies in the Mastodon API's status index: `statuses.thread_id`
and `statuses.post_id`, and a status for every thread and reply that exists already (oldest
first, after the notes and listings indexed before).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("statuses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thread_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("post_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_statuses_thread_id_discussion_threads"),
            "discussion_threads",
            ["thread_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_statuses_post_id_discussion_posts"),
            "discussion_posts",
            ["post_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_unique_constraint(batch_op.f("uq_statuses_thread_id"), ["thread_id"])
        batch_op.create_unique_constraint(batch_op.f("uq_statuses_post_id"), ["post_id"])
    op.execute(
        """
        INSERT INTO statuses (thread_id, post_id, created_at)
        SELECT thread_id, post_id, at FROM (
            SELECT id AS thread_id, NULL AS post_id, published AS at FROM discussion_threads
            UNION ALL
            SELECT NULL, id, published FROM discussion_posts
        ) AS everything
        ORDER BY at, thread_id, post_id
        """
    )


def downgrade() -> None:
    op.execute("DELETE FROM statuses WHERE thread_id IS NOT NULL OR post_id IS NOT NULL")
    with op.batch_alter_table("statuses", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_statuses_post_id"), type_="unique")
        batch_op.drop_constraint(batch_op.f("uq_statuses_thread_id"), type_="unique")
        batch_op.drop_constraint(
            batch_op.f("fk_statuses_post_id_discussion_posts"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_statuses_thread_id_discussion_threads"), type_="foreignkey"
        )
        batch_op.drop_column("post_id")
        batch_op.drop_column("thread_id")
