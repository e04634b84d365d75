"""Hashtags of listings: `listings.hashtags` (ours typed in the description, another city's
its Note's `Hashtag` tags) and `listing_hashtags` (a listing and a hashtag other than its
category, with the listing's status id for the tag timeline; models/hashtag.py). The
listings already kept get their hashtags from their description: the `Hashtag` tags of
other cities' listings were not kept, and their description is the text of their Note,
where those hashtags are typed.

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import models.base
from instance.html import hashtags
from models.base import utcnow
from models.hashtag import listing_names

revision = "0040"
down_revision = "0039"
branch_labels = None
depends_on = None

#: listings read and written per round of the backfill
_BATCH = 1000


def upgrade() -> None:
    json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    # a plain ADD COLUMN, as 0031 for members: a batch copy of `listings` would drop the
    # table, cascading to its statuses, and lose the full-text triggers of 0002
    op.add_column(
        "listings", sa.Column("hashtags", json, nullable=False, server_default=sa.text("'[]'"))
    )
    op.create_table(
        "listing_hashtags",
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("hashtag_id", sa.Integer(), nullable=False),
        sa.Column("status_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listings.id"],
            name=op.f("fk_listing_hashtags_listing_id_listings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hashtag_id"],
            ["hashtags.id"],
            name=op.f("fk_listing_hashtags_hashtag_id_hashtags"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["status_id"],
            ["statuses.id"],
            name=op.f("fk_listing_hashtags_status_id_statuses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("listing_id", "hashtag_id", name=op.f("pk_listing_hashtags")),
    )
    op.create_index("ix_listing_hashtags_feed", "listing_hashtags", ["hashtag_id", "status_id"])
    _backfill()


_LISTINGS = sa.table(
    "listings",
    sa.column("id", sa.Integer()),
    sa.column("hashtags", models.base.JSONDocument),
)
_HASHTAGS = sa.table(
    "hashtags",
    sa.column("id", sa.Integer()),
    sa.column("name", sa.String()),
    sa.column("created_at", models.base.UTCDateTime()),
)


def _backfill() -> None:
    """The listings kept before this migration, in batches by id: their description's
    hashtags (`instance.html.hashtags`, the notes' extractor) and their links."""
    bind = op.get_bind()
    known = bind.execute(sa.text("SELECT id, name FROM hashtags"))
    ids: dict[str, int] = {name: hashtag_id for hashtag_id, name in known}
    last = 0
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT l.id, l.description, l.category, s.id FROM listings l"
                " JOIN statuses s ON s.listing_id = l.id"
                " WHERE l.id > :last AND l.description LIKE '%#%' ORDER BY l.id LIMIT :n"
            ),
            {"last": last, "n": _BATCH},
        ).all()
        if not rows:
            return
        last = rows[-1][0]
        updates: list[dict[str, object]] = []
        links: list[dict[str, int]] = []
        for listing_id, description, category, status_id in rows:
            found = hashtags(description or "")[:40]
            if not found:
                continue
            updates.append({"listing_id": listing_id, "found": found})
            for name in listing_names(found, category):
                if name not in ids:
                    ids[name] = bind.execute(
                        sa.insert(_HASHTAGS)
                        .values(name=name, created_at=utcnow())
                        .returning(_HASHTAGS.c.id)
                    ).scalar_one()
                links.append(
                    {"listing_id": listing_id, "hashtag_id": ids[name], "status_id": status_id}
                )
        if updates:
            bind.execute(
                sa.update(_LISTINGS)
                .where(_LISTINGS.c.id == sa.bindparam("listing_id", type_=sa.Integer()))
                .values(hashtags=sa.bindparam("found", type_=models.base.JSONDocument)),
                updates,
            )
        if links:
            bind.execute(
                sa.text(
                    "INSERT INTO listing_hashtags (listing_id, hashtag_id, status_id)"
                    " VALUES (:listing_id, :hashtag_id, :status_id)"
                ),
                links,
            )


def downgrade() -> None:
    op.drop_table("listing_hashtags")
    # plain DROP COLUMN (SQLite 3.35+), as 0031: a batch copy of listings would cascade
    op.drop_column("listings", "hashtags")
