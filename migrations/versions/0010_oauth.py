"""OAuth 2: `oauth_applications`, `oauth_codes`, and `api_tokens` becomes the token table of
both the CLI's personal tokens and the OAuth apps' tokens (scopes, app, refresh token, the
code it was traded for, last use; no member for an app's own token). Existing personal tokens keep working: they move to
the built-in app `comptoir-cli` with every scope.

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None

#: the scopes of a personal token (services/oauth/scopes.py ALL_SCOPES at the time of writing)
ALL_SCOPES = "read write follow push admin:read admin:write"


def upgrade() -> None:
    op.create_table(
        "oauth_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("client_secret_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("redirect_uris", sa.Text(), nullable=False),
        sa.Column("scopes", sa.String(length=1000), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_applications")),
        sa.UniqueConstraint("client_id", name=op.f("uq_oauth_applications_client_id")),
    )
    op.create_table(
        "oauth_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("scope", sa.String(length=1000), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=True),
        sa.Column("code_challenge_method", sa.String(length=10), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["oauth_applications.id"],
            name=op.f("fk_oauth_codes_application_id_oauth_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_oauth_codes_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_oauth_codes_code_hash")),
    )
    with op.batch_alter_table("oauth_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oauth_codes_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_oauth_codes_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_oauth_codes_expires_at"), ["expires_at"], unique=False)

    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column("member_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("application_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("scopes", sa.String(length=1000), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("refresh_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("authorization_code_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("last_used_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_api_tokens_application_id_oauth_applications"),
            "oauth_applications",
            ["application_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(
            batch_op.f("ix_api_tokens_application_id"), ["application_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_api_tokens_authorization_code_id_oauth_codes"),
            "oauth_codes",
            ["authorization_code_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            batch_op.f("ix_api_tokens_authorization_code_id"),
            ["authorization_code_id"],
            unique=False,
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_api_tokens_refresh_token_hash"), ["refresh_token_hash"]
        )

    apps = sa.table(
        "oauth_applications",
        sa.column("id", sa.Integer()),
        sa.column("client_id", sa.String()),
        sa.column("client_secret_hash", sa.String()),
        sa.column("name", sa.String()),
        sa.column("website", sa.String()),
        sa.column("redirect_uris", sa.Text()),
        sa.column("scopes", sa.String()),
        sa.column("created_at", models.base.UTCDateTime(timezone=True)),
    )
    op.bulk_insert(
        apps,
        [
            {
                "client_id": "comptoir-cli",
                "client_secret_hash": "",
                "name": "Comptoir CLI",
                "website": None,
                "redirect_uris": "",
                "scopes": ALL_SCOPES,
                "created_at": models.base.utcnow(),
            }
        ],
    )
    op.execute(
        sa.text(
            "UPDATE api_tokens SET scopes = :scopes, application_id = "
            "(SELECT id FROM oauth_applications WHERE client_id = 'comptoir-cli')"
        ).bindparams(scopes=ALL_SCOPES)
    )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM api_tokens WHERE member_id IS NULL"))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_api_tokens_refresh_token_hash"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_api_tokens_authorization_code_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_api_tokens_authorization_code_id_oauth_codes"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_api_tokens_application_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_api_tokens_application_id_oauth_applications"), type_="foreignkey"
        )
        batch_op.drop_column("last_used_at")
        batch_op.drop_column("authorization_code_id")
        batch_op.drop_column("refresh_token_hash")
        batch_op.drop_column("scopes")
        batch_op.drop_column("application_id")
        batch_op.alter_column("member_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("oauth_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_codes_expires_at"))
        batch_op.drop_index(batch_op.f("ix_oauth_codes_member_id"))
        batch_op.drop_index(batch_op.f("ix_oauth_codes_application_id"))
    op.drop_table("oauth_codes")
    op.drop_table("oauth_applications")
