"""A report's reason category (`reports.category`): spam, fraud, abuse, illegal or other
(issue 14, Report buttons with reason categories; existing reports read `other`); a member's
time zone (`members.time_zone`, an IANA name; NULL: the city's).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as table:
        table.add_column(
            sa.Column("category", sa.String(length=16), nullable=False, server_default="other")
        )
    with op.batch_alter_table("members") as table:
        table.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members") as table:
        table.drop_column("time_zone")
    with op.batch_alter_table("reports") as table:
        table.drop_column("category")
