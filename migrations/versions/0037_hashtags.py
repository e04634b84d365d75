"""Hashtags of notes: `hashtags`, `note_hashtags` (a note's hashtags, with its status id for
the tag timeline), `hashtag_follows` (models/hashtag.py) and `members.followed_hashtags`
(their count, which picks the home statement's shape). The notes already kept get
their links from their `tags` entries.

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-05
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

import models.base
from models.base import utcnow
from models.hashtag import normalize

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hashtags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hashtags")),
        sa.UniqueConstraint("name", name=op.f("uq_hashtags_name")),
    )
    op.create_table(
        "note_hashtags",
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("hashtag_id", sa.Integer(), nullable=False),
        sa.Column("status_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_note_hashtags_note_id_notes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["hashtag_id"],
            ["hashtags.id"],
            name=op.f("fk_note_hashtags_hashtag_id_hashtags"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["status_id"],
            ["statuses.id"],
            name=op.f("fk_note_hashtags_status_id_statuses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("note_id", "hashtag_id", name=op.f("pk_note_hashtags")),
    )
    op.create_index("ix_note_hashtags_feed", "note_hashtags", ["hashtag_id", "status_id"])
    op.create_table(
        "hashtag_follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("hashtag_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_hashtag_follows_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hashtag_id"],
            ["hashtags.id"],
            name=op.f("fk_hashtag_follows_hashtag_id_hashtags"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hashtag_follows")),
    )
    op.create_index(
        "ix_hashtag_follows_member", "hashtag_follows", ["member_id", "hashtag_id"], unique=True
    )
    op.create_index(op.f("ix_hashtag_follows_hashtag_id"), "hashtag_follows", ["hashtag_id"])
    # a plain ADD COLUMN (see 0031: a batch copy of `members` cascades on SQLite)
    op.add_column(
        "members",
        sa.Column("followed_hashtags", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    _link_existing_notes()


_HASHTAGS = sa.table(
    "hashtags",
    sa.column("id", sa.Integer()),
    sa.column("name", sa.String()),
    sa.column("created_at", models.base.UTCDateTime()),
)


def _link_existing_notes() -> None:
    """The notes kept before this migration, linked from their Hashtag `tag` entries."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT n.id, s.id, n.tags FROM notes n JOIN statuses s ON s.note_id = n.id"
            " WHERE CAST(n.tags AS TEXT) LIKE '%Hashtag%'"
        )
    ).all()
    ids: dict[str, int] = {}
    links: list[dict[str, int]] = []
    for note_id, status_id, tags in rows:
        entries = json.loads(tags) if isinstance(tags, str) else tags
        names: list[str] = []
        for tag in entries or []:
            if isinstance(tag, dict) and tag.get("type") == "Hashtag":
                name = normalize(str(tag.get("name") or ""))
                if name is not None and name not in names:
                    names.append(name)
        for name in names[:40]:
            if name not in ids:
                ids[name] = bind.execute(
                    sa.insert(_HASHTAGS).values(name=name, created_at=utcnow()).returning(
                        _HASHTAGS.c.id
                    )
                ).scalar_one()
            links.append({"note_id": note_id, "hashtag_id": ids[name], "status_id": status_id})
    if links:
        bind.execute(
            sa.text(
                "INSERT INTO note_hashtags (note_id, hashtag_id, status_id)"
                " VALUES (:note_id, :hashtag_id, :status_id)"
            ),
            links,
        )


def downgrade() -> None:
    # plain DROP COLUMN (SQLite 3.35+), as 0035: a batch copy of members would cascade
    op.drop_column("members", "followed_hashtags")
    op.drop_table("hashtag_follows")
    op.drop_table("note_hashtags")
    op.drop_table("hashtags")
