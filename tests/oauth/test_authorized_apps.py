"""A member sees the apps they let in on `/account/apps` and revokes them there: the app's
tokens are refused from the next request on."""

from __future__ import annotations

from typing import Any

from exchange import oauth_apps, oauth_tokens

from .conftest import OAuthCity, hidden_fields

CREDENTIALS = "/api/v1/accounts/verify_credentials"


async def app_token(oauth: OAuthCity, name: str = "alice", scope: str = "read") -> str:
    app = await oauth.register()
    answer = await oauth.password_login(app, name, scope=scope)
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


async def revoke(oauth: OAuthCity, action: str) -> Any:
    page = await oauth.http.get("/account/apps")
    csrf = hidden_fields(page.text)["csrf_token"]
    return await oauth.http.post(action, data={"csrf_token": csrf})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_the_page_lists_the_app_with_its_scopes(oauth: OAuthCity) -> None:
    await app_token(oauth, scope="read write")
    await oauth.web_login("alice")
    page = await oauth.http.get("/account/apps")
    assert page.status_code == 200
    assert "Test app" in page.text
    assert "read write" in page.text


async def test_revoking_the_app_refuses_all_its_tokens(oauth: OAuthCity) -> None:
    app = await oauth.register()
    tokens = [(await oauth.password_login(app, "alice")).json()["access_token"] for _ in range(2)]
    await oauth.web_login("alice")
    app_id = oauth.db.read_sync(
        lambda s: oauth_tokens.live_by_access(s, tokens[0]).application_id  # type: ignore[union-attr]
    )
    answer = await revoke(oauth, f"/account/apps/{app_id}/revoke")
    assert answer.status_code == 303
    for token in tokens:
        assert (await oauth.http.get(CREDENTIALS, headers=bearer(token))).status_code == 401
    assert "Test app" not in (await oauth.http.get("/account/apps")).text


async def test_another_members_app_cannot_be_revoked(oauth: OAuthCity) -> None:
    oauth.member("bob")
    token = await app_token(oauth, "bob")
    app_id = oauth.db.read_sync(
        lambda s: oauth_tokens.live_by_access(s, token).application_id  # type: ignore[union-attr]
    )
    await oauth.web_login("alice")
    answer = await revoke(oauth, f"/account/apps/{app_id}/revoke")
    assert answer.status_code == 404
    assert (await oauth.http.get(CREDENTIALS, headers=bearer(token))).status_code == 200


async def test_a_personal_token_is_listed_and_revoked_alone(oauth: OAuthCity) -> None:
    personal = oauth.db.write_sync(lambda s: oauth_tokens.issue_personal(s, "alice", "laptop"))
    other = await app_token(oauth)
    token_id = oauth.db.read_sync(
        lambda s: oauth_tokens.live_by_access(s, personal).id  # type: ignore[union-attr]
    )
    await oauth.web_login("alice")
    assert "laptop" in (await oauth.http.get("/account/apps")).text
    answer = await revoke(oauth, f"/account/tokens/{token_id}/revoke")
    assert answer.status_code == 303
    assert (await oauth.http.get(CREDENTIALS, headers=bearer(personal))).status_code == 401
    assert (await oauth.http.get(CREDENTIALS, headers=bearer(other))).status_code == 200


async def test_revoking_without_the_forms_token_is_refused(oauth: OAuthCity) -> None:
    token = await app_token(oauth)
    app_id = oauth.db.read_sync(
        lambda s: oauth_tokens.live_by_access(s, token).application_id  # type: ignore[union-attr]
    )
    await oauth.web_login("alice")
    answer = await oauth.http.post(f"/account/apps/{app_id}/revoke", data={})
    assert answer.status_code == 403
    assert (await oauth.http.get(CREDENTIALS, headers=bearer(token))).status_code == 200


async def test_the_page_needs_a_signed_in_member(oauth: OAuthCity) -> None:
    answer = await oauth.http.get("/account/apps")
    assert answer.status_code in (401, 303)
    assert "Test app" not in answer.text


async def test_an_app_website_that_is_not_http_is_refused_at_registration(
    oauth: OAuthCity,
) -> None:
    answer = await oauth.http.post(
        "/api/v1/apps",
        data={
            "client_name": "Odd app",
            "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
            "website": "javascript:alert(1)",
        },
    )
    assert answer.status_code == 422
    assert answer.json() == {"error": "Validation failed: Website is invalid"}


async def test_a_stored_website_that_is_not_http_is_not_linked(oauth: OAuthCity) -> None:
    """An app registered before websites were checked keeps its address: shown, not linked,
    on this page and on the consent page."""
    app = await oauth.register()

    def odd(session: Any) -> None:
        found = oauth_apps.find(session, app["client_id"])
        assert found is not None
        found.website = "javascript:alert(1)"

    oauth.db.write_sync(odd)
    assert (await oauth.password_login(app, "alice")).status_code == 200
    await oauth.web_login("alice")
    assert 'href="javascript:' not in (await oauth.http.get("/account/apps")).text
    consent = await oauth.consent_page(app)
    assert consent.status_code == 200
    assert "Test app" in consent.text
    assert 'href="javascript:' not in consent.text
