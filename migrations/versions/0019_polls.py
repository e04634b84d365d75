"""Consultations: `discussion_polls` and `discussion_poll_votes` (issue 15, polls attached to
a discussion space, federated as AS2 `Question`).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

POLL_STATES = ("open", "closed")
POLL_RESULTS = ("after_vote", "at_close")


def upgrade() -> None:
    op.create_table(
        "discussion_polls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("uri", sa.String(length=2000), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("options", models.base.JSONDocument, nullable=False),
        sa.Column("multiple", sa.Boolean(), nullable=False),
        sa.Column("remote_votes", sa.Boolean(), nullable=False),
        sa.Column(
            "results",
            sa.Enum(*POLL_RESULTS, name="pollresults", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(*POLL_STATES, name="pollstate", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("closes_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("published", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["discussion_spaces.id"],
            name=op.f("fk_discussion_polls_space_id_discussion_spaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["members.id"],
            name=op.f("fk_discussion_polls_created_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_polls")),
        sa.UniqueConstraint("public_id", name=op.f("uq_discussion_polls_public_id")),
        sa.UniqueConstraint("uri", name=op.f("uq_discussion_polls_uri")),
    )
    op.create_index("ix_discussion_polls_space", "discussion_polls", ["space_id", "id"])
    op.create_table(
        "discussion_poll_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("remote_actor_id", sa.Integer(), nullable=True),
        sa.Column("uri", sa.String(length=2000), nullable=True),
        sa.Column("cast_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["poll_id"],
            ["discussion_polls.id"],
            name=op.f("fk_discussion_poll_votes_poll_id_discussion_polls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_discussion_poll_votes_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["remote_actor_id"],
            ["remote_actors.id"],
            name=op.f("fk_discussion_poll_votes_remote_actor_id_remote_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_poll_votes")),
        sa.UniqueConstraint(
            "poll_id",
            "member_id",
            "choice",
            name=op.f("uq_discussion_poll_votes_poll_id_member_id_choice"),
        ),
        sa.UniqueConstraint(
            "poll_id",
            "remote_actor_id",
            "choice",
            name=op.f("uq_discussion_poll_votes_poll_id_remote_actor_id_choice"),
        ),
        sa.UniqueConstraint("uri", name=op.f("uq_discussion_poll_votes_uri")),
    )


def downgrade() -> None:
    op.drop_table("discussion_poll_votes")
    op.drop_index("ix_discussion_polls_space", table_name="discussion_polls")
    op.drop_table("discussion_polls")
