"""The Mastodon API's status index (`statuses`: one row per note and listing, ids in arrival
order) and our members' favourites and reblogs (`status_reactions`). Existing notes and
listings are indexed in order of their first appearance (published, listed or created).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "statuses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=True),
        sa.Column("listing_id", sa.Integer(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_statuses_note_id_notes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listings.id"],
            name=op.f("fk_statuses_listing_id_listings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statuses")),
        sa.UniqueConstraint("note_id", name=op.f("uq_statuses_note_id")),
        sa.UniqueConstraint("listing_id", name=op.f("uq_statuses_listing_id")),
    )
    op.create_table(
        "status_reactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("favourite", "reblog", name="reactionkind", native_enum=False, length=16), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["status_id"],
            ["statuses.id"],
            name=op.f("fk_status_reactions_status_id_statuses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_status_reactions_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_reactions")),
        sa.UniqueConstraint(
            "status_id", "member_id", "kind", name=op.f("uq_status_reactions_status_id_member_id_kind")
        ),
    )
    # what exists already, oldest first (notes and listings interleaved by their time)
    op.execute(
        """
        INSERT INTO statuses (note_id, listing_id, created_at)
        SELECT note_id, listing_id, at FROM (
            SELECT id AS note_id, NULL AS listing_id, published AS at FROM notes
            UNION ALL
            SELECT NULL, id, COALESCE(listed_at, created_at) FROM listings
        ) AS everything
        ORDER BY at, note_id, listing_id
        """
    )


def downgrade() -> None:
    op.drop_table("status_reactions")
    op.drop_table("statuses")
