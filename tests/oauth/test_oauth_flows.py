"""OAuth 2 as Mastodon apps use it: registration, the grants, PKCE, revocation, refresh."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import timedelta

from sqlalchemy import select, update

from exchange import members
from models import ApiToken, MemberStatus, OAuthApplication, OAuthCode, Role, utcnow

from ..ledger.conftest import credentials
from .conftest import CALLBACK, OOB, OAuthCity, pkce_pair


async def test_an_app_registers_with_a_form_and_gets_its_secret_once(oauth: OAuthCity) -> None:
    app = await oauth.register(scopes="read write")
    assert app["name"] == "Test app"
    assert app["scopes"] == ["read", "write"]
    assert app["redirect_uris"] == [OOB, CALLBACK]
    assert app["redirect_uri"] == f"{OOB}\n{CALLBACK}"
    assert app["client_id"] and app["client_secret"]
    stored = oauth.db.read_sync(
        lambda s: s.scalar(
            select(OAuthApplication).where(OAuthApplication.client_id == app["client_id"])
        )
    )
    assert stored.client_secret_hash == hashlib.sha256(app["client_secret"].encode()).hexdigest()


async def test_the_password_grant_issues_a_token_with_the_requested_scopes(
    oauth: OAuthCity,
) -> None:
    app = await oauth.register()
    answer = await oauth.password_login(app, "alice", scope="read write")
    assert answer.status_code == 200, answer.text
    token = answer.json()
    assert token["token_type"] == "Bearer"
    assert token["scope"] == "read write"
    assert isinstance(token["created_at"], int)
    assert "expires_in" not in token  # as Mastodon: tokens live until revoked
    who = await oauth.http.get(
        "/api/v1/apps/verify_credentials",
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert who.json()["name"] == "Test app"


async def test_tokens_and_refresh_tokens_are_stored_hashed(oauth: OAuthCity) -> None:
    app = await oauth.register()
    token = (await oauth.password_login(app, "alice")).json()
    rows = oauth.db.read_sync(lambda s: list(s.scalars(select(ApiToken))))
    (row,) = [r for r in rows if r.application_id is not None and r.label == "Test app"]
    assert row.token_hash == hashlib.sha256(token["access_token"].encode()).hexdigest()
    assert row.refresh_token_hash == hashlib.sha256(token["refresh_token"].encode()).hexdigest()
    for column in ApiToken.__table__.columns:
        value = str(getattr(row, column.key))
        assert token["access_token"] not in value and token["refresh_token"] not in value


async def test_the_password_grant_accepts_the_members_email_as_mastodon_apps_send_it(
    oauth: OAuthCity,
) -> None:
    oauth.db.write_sync(
        lambda s: members.add_member(s, "bea", credentials(), email="Bea@Example.org")
    )
    app = await oauth.register()
    answer = await oauth.password_login(app, "bea@example.org")
    assert answer.status_code == 200, answer.text


async def test_a_wrong_password_is_refused(oauth: OAuthCity) -> None:
    app = await oauth.register()
    answer = await oauth.password_login(app, "alice", password="wrong password!")
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


async def test_repeated_wrong_passwords_lock_the_account_even_for_the_right_one(
    oauth: OAuthCity,
) -> None:
    app = await oauth.register()
    for _ in range(10):
        await oauth.password_login(app, "alice", password="wrong password!")
    answer = await oauth.password_login(app, "alice")
    assert answer.status_code == 429
    assert answer.json()["error"] == "invalid_grant"
    assert "Too many failed logins" in answer.json()["error_description"]


async def test_a_pending_member_cannot_log_in_with_a_password(oauth: OAuthCity) -> None:
    oauth.member("newcomer", status=MemberStatus.pending)
    app = await oauth.register()
    answer = await oauth.password_login(app, "newcomer")
    assert answer.status_code == 400
    assert "moderator" in answer.json()["error_description"]


async def test_a_suspended_member_cannot_log_in_with_a_password(oauth: OAuthCity) -> None:
    oauth.db.write_sync(lambda s: members.suspend(s, "alice", None, "spam"))
    app = await oauth.register()
    answer = await oauth.password_login(app, "alice")
    assert answer.status_code == 400
    assert "suspended" in answer.json()["error_description"]


async def test_an_unknown_client_is_refused_at_the_token_endpoint(oauth: OAuthCity) -> None:
    answer = await oauth.password_login(
        {"client_id": "nobody", "client_secret": "nothing"}, "alice"
    )
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"


async def test_a_wrong_client_secret_is_refused(oauth: OAuthCity) -> None:
    app = await oauth.register()
    answer = await oauth.password_login({**app, "client_secret": "guess"}, "alice")
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"


async def test_the_cli_app_cannot_be_used_to_log_in(oauth: OAuthCity) -> None:
    answer = await oauth.password_login({"client_id": "comptoir-cli", "client_secret": ""}, "alice")
    assert answer.status_code in (400, 401)
    assert "access_token" not in answer.json()


async def test_asking_for_more_scopes_than_the_app_registered_is_refused(
    oauth: OAuthCity,
) -> None:
    app = await oauth.register(scopes="read")
    answer = await oauth.password_login(app, "alice", scope="read write")
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_scope"


async def test_the_client_credentials_grant_gives_an_app_token_with_no_member(
    oauth: OAuthCity,
) -> None:
    app = await oauth.register()
    token = (await oauth.token(app, grant_type="client_credentials", scope="read")).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert "refresh_token" not in token
    assert (
        await oauth.http.get("/api/v1/apps/verify_credentials", headers=headers)
    ).status_code == 200
    answer = await oauth.http.get("/api/comptoir/v1/ledger/account", headers=headers)
    assert answer.status_code == 422


async def test_a_refresh_rotates_both_tokens(oauth: OAuthCity) -> None:
    app = await oauth.register()
    first = (await oauth.password_login(app, "alice")).json()
    answer = await oauth.token(
        app, grant_type="refresh_token", refresh_token=first["refresh_token"]
    )
    assert answer.status_code == 200, answer.text
    second = answer.json()
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    old = await oauth.http.get(
        "/api/comptoir/v1/ledger/account",
        headers={"Authorization": f"Bearer {first['access_token']}"},
    )
    assert old.status_code == 401
    new = await oauth.http.get(
        "/api/comptoir/v1/ledger/account",
        headers={"Authorization": f"Bearer {second['access_token']}"},
    )
    assert new.status_code == 200
    again = await oauth.token(app, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


async def test_a_revoked_token_is_refused_with_401(oauth: OAuthCity) -> None:
    app = await oauth.register()
    token = (await oauth.password_login(app, "alice")).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    revoked = await oauth.http.post(
        "/oauth/revoke",
        data={"client_id": app["client_id"], "client_secret": app["client_secret"], "token": token},
    )
    assert revoked.status_code == 200
    assert revoked.json() == {}
    answer = await oauth.http.get("/api/comptoir/v1/ledger/account", headers=headers)
    assert answer.status_code == 401
    answer = await oauth.http.get("/api/v1/apps/verify_credentials", headers=headers)
    assert answer.status_code == 401


async def test_an_app_cannot_revoke_another_apps_token(oauth: OAuthCity) -> None:
    mine, other = await oauth.register(), await oauth.register()
    token = (await oauth.password_login(mine, "alice")).json()["access_token"]
    await oauth.http.post(
        "/oauth/revoke",
        data={
            "client_id": other["client_id"],
            "client_secret": other["client_secret"],
            "token": token,
        },
    )
    answer = await oauth.http.get(
        "/api/comptoir/v1/ledger/account", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200


async def test_a_read_only_token_cannot_create_a_listing(oauth: OAuthCity) -> None:
    app = await oauth.register()
    token = (await oauth.password_login(app, "alice", scope="read")).json()["access_token"]
    answer = await oauth.http.post(
        "/api/comptoir/v1/listings",
        json={"purpose": "offer", "title": "Bike repair", "price": "10"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 403
    assert answer.json()["error"]["message"] == "This action is outside the authorized scopes"


async def test_a_write_statuses_token_may_create_a_listing(oauth: OAuthCity) -> None:
    app = await oauth.register()
    token = (await oauth.password_login(app, "alice", scope="write:statuses")).json()
    answer = await oauth.http.post(
        "/api/comptoir/v1/listings",
        json={"purpose": "offer", "title": "Bike repair", "price": "10"},
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert answer.status_code == 201, answer.text


# -- the authorization-code flow ---------------------------------------------------------


async def test_the_code_flow_with_pkce_gives_a_token(oauth: OAuthCity) -> None:
    app = await oauth.register()
    await oauth.web_login("alice")
    verifier, challenge = pkce_pair()
    code = await oauth.code(
        app, code_challenge=challenge, code_challenge_method="S256", state="xyz"
    )
    answer = await oauth.token(
        app,
        grant_type="authorization_code",
        code=code,
        redirect_uri=CALLBACK,
        code_verifier=verifier,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["scope"] == "read"
    stored = oauth.db.read_sync(lambda s: s.scalar(select(OAuthCode)))
    assert stored.code_hash == hashlib.sha256(code.encode()).hexdigest()
    assert stored.used_at is not None


async def test_a_wrong_pkce_verifier_is_refused(oauth: OAuthCity) -> None:
    app = await oauth.register()
    await oauth.web_login("alice")
    _, challenge = pkce_pair()
    code = await oauth.code(app, code_challenge=challenge, code_challenge_method="S256")
    answer = await oauth.token(
        app,
        grant_type="authorization_code",
        code=code,
        redirect_uri=CALLBACK,
        code_verifier="w" * 50,
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


async def test_a_code_is_good_once(oauth: OAuthCity) -> None:
    app = await oauth.register()
    await oauth.web_login("alice")
    code = await oauth.code(app)
    trade = dict(grant_type="authorization_code", code=code, redirect_uri=CALLBACK)
    assert (await oauth.token(app, **trade)).status_code == 200
    again = await oauth.token(app, **trade)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


async def test_a_second_trade_of_a_code_revokes_the_tokens_of_the_first(
    oauth: OAuthCity,
) -> None:
    app = await oauth.register()
    await oauth.web_login("alice")
    code = await oauth.code(app)
    trade = dict(grant_type="authorization_code", code=code, redirect_uri=CALLBACK)
    first = (await oauth.token(app, **trade)).json()
    refreshed = (
        await oauth.token(app, grant_type="refresh_token", refresh_token=first["refresh_token"])
    ).json()
    assert (await oauth.token(app, **trade)).status_code == 400
    answer = await oauth.http.get(
        "/api/comptoir/v1/ledger/account",
        headers={"Authorization": f"Bearer {refreshed['access_token']}"},
    )
    assert answer.status_code == 401


async def test_two_concurrent_trades_of_a_code_give_no_usable_token(oauth: OAuthCity) -> None:
    app = await oauth.register()
    await oauth.web_login("alice")
    code = await oauth.code(app)
    trade = dict(grant_type="authorization_code", code=code, redirect_uri=CALLBACK)
    answers = await asyncio.gather(oauth.token(app, **trade), oauth.token(app, **trade))
    assert sorted(a.status_code for a in answers) == [200, 400]
    (won,) = [a.json() for a in answers if a.status_code == 200]
    answer = await oauth.http.get(
        "/api/comptoir/v1/ledger/account",
        headers={"Authorization": f"Bearer {won['access_token']}"},
    )
    assert answer.status_code == 401


async def test_an_expired_code_is_refused(oauth: OAuthCity) -> None:
    app = await oauth.register()
    await oauth.web_login("alice")
    code = await oauth.code(app)
    oauth.db.write_sync(
        lambda s: s.execute(update(OAuthCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    )
    answer = await oauth.token(
        app, grant_type="authorization_code", code=code, redirect_uri=CALLBACK
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


async def test_a_code_is_refused_with_another_redirect_uri_than_its_own(oauth: OAuthCity) -> None:
    app = await oauth.register()
    await oauth.web_login("alice")
    code = await oauth.code(app)
    answer = await oauth.token(app, grant_type="authorization_code", code=code, redirect_uri=OOB)
    assert answer.status_code == 400


async def test_out_of_band_shows_the_code_on_a_page(oauth: OAuthCity) -> None:
    app = await oauth.register()
    await oauth.web_login("alice")
    answer = await oauth.approve(await oauth.consent_page(app, redirect_uri=OOB))
    assert answer.status_code == 200
    code = answer.text.split('id="oauth-code"')[0].rsplit('value="', 1)[1].split('"')[0]
    token = await oauth.token(app, grant_type="authorization_code", code=code, redirect_uri=OOB)
    assert token.status_code == 200, token.text


async def test_the_mastodon_admin_api_checks_its_granular_admin_scopes(oauth: OAuthCity) -> None:
    oauth.db.write_sync(lambda s: members.add_member(s, "mayor", credentials(), role=Role.admin))
    app = await oauth.register(scopes="admin:read:domain_blocks")
    token = (await oauth.password_login(app, "mayor", scope="admin:read:domain_blocks")).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    listed = await oauth.http.get("/api/v1/admin/domain_blocks", headers=headers)
    assert listed.status_code == 200, listed.text
    made = await oauth.http.post(
        "/api/v1/admin/domain_blocks", data={"domain": "spam.example"}, headers=headers
    )
    assert made.status_code == 403
    assert made.json() == {"error": "This action is outside the authorized scopes"}
