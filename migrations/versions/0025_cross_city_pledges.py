"""Cross-city pledges: a pledge from another city is a settlement whose payee is a project.

`settlements.project_uri` names the project a settlement pledges to (at both cities) and
`settlements.voted_at` when the project's city voted yes (the payer's city then waits for the
project's decision instead of committing at once). At the project's city a remote pledge is a
`pledges` row without a member: `settlement_id` is its settlement, `pledger_uri` the resident
of the other city, `source_amount`/`source_currency` what they pledged in their currency.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("settlements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("project_uri", sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column("voted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_settlements_project_uri", ["project_uri"])
    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.alter_column("member_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("settlement_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("pledger_uri", sa.String(length=2000), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("source_amount", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("source_currency", sa.String(length=8), nullable=False, server_default="")
        )
        batch_op.create_foreign_key(
            "fk_pledges_settlement_id_settlements",
            "settlements",
            ["settlement_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_index("ix_pledges_settlement_id", ["settlement_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.drop_index("ix_pledges_settlement_id")
        batch_op.drop_constraint("fk_pledges_settlement_id_settlements", type_="foreignkey")
        batch_op.drop_column("source_currency")
        batch_op.drop_column("source_amount")
        batch_op.drop_column("pledger_uri")
        batch_op.drop_column("settlement_id")
        batch_op.alter_column("member_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("settlements", schema=None) as batch_op:
        batch_op.drop_index("ix_settlements_project_uri")
        batch_op.drop_column("voted_at")
        batch_op.drop_column("project_uri")
