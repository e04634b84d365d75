"""Migration 0010: personal tokens made before OAuth keep working, as tokens of the built-in
CLI app with every scope."""

from __future__ import annotations

import hashlib

from sqlalchemy import text

from api.auth import member_for_token
from exchange import oauth_tokens
from instance import migrate
from instance.database import Database

from ..ledger.conftest import credentials


def test_a_personal_token_from_before_oauth_still_works_with_every_scope(db_url: str) -> None:
    migrate.upgrade(db_url, "0007")
    token = "cpt_made-before-oauth"
    database = Database(db_url, threads=1)
    try:
        # written as the 0007 schema holds it: the ORM's Member has columns added since
        keys = credentials()
        member_id = database.write_sync(
            lambda s: s.execute(
                text(
                    "INSERT INTO members (username, display_name, summary, password_hash, role,"
                    " status, manually_approves_followers, private_key_pem, public_key_pem,"
                    " created_at, application_note) VALUES ('alice', '', '', :hash, 'member',"
                    " 'active', false, :private, :public, CURRENT_TIMESTAMP, '') RETURNING id"
                ),
                {
                    "hash": keys.password_hash,
                    "private": keys.private_key_pem,
                    "public": keys.public_key_pem,
                },
            ).scalar_one()
        )
        database.write_sync(
            lambda s: s.execute(
                text(
                    "INSERT INTO api_tokens (member_id, token_hash, label, created_at) "
                    "VALUES (:member, :hash, 'old script', CURRENT_TIMESTAMP)"
                ),
                {"member": member_id, "hash": hashlib.sha256(token.encode()).hexdigest()},
            )
        )
        migrate.upgrade(db_url)
        assert database.read_sync(lambda s: member_for_token(s, token).username) == "alice"
        found = database.read_sync(lambda s: oauth_tokens.bearer(s, token))
        assert found.app.client_id == "comptoir-cli"
        assert found.scopes.split() == [
            "read",
            "write",
            "follow",
            "push",
            "admin:read",
            "admin:write",
        ]
    finally:
        database.dispose()
