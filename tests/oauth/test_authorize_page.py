"""The authorize page and app registration: what a browser and a registering app see.

SQLite alone: these answers do not depend on the database (the grants, codes and tokens are
tested on both in test_oauth_flows.py; CI time is shared)."""

from __future__ import annotations

import pytest

from .conftest import CALLBACK, OOB, OAuthCity


@pytest.fixture
def backend() -> str:
    return "sqlite"


async def test_an_app_registers_with_a_json_body_and_an_array_of_redirect_uris(
    oauth: OAuthCity,
) -> None:
    answer = await oauth.http.post(
        "/api/v1/apps",
        json={"client_name": "Json app", "redirect_uris": [CALLBACK, OOB], "scopes": "read"},
    )
    assert answer.status_code == 200
    assert answer.json()["redirect_uris"] == [CALLBACK, OOB]


async def test_registering_without_a_redirect_uri_is_refused_with_422(oauth: OAuthCity) -> None:
    answer = await oauth.http.post("/api/v1/apps", data={"client_name": "No uri"})
    assert answer.status_code == 422
    assert "Redirect URI" in answer.json()["error"]


async def test_registering_an_unknown_scope_is_refused_with_422(oauth: OAuthCity) -> None:
    answer = await oauth.http.post(
        "/api/v1/apps", data={"client_name": "x", "redirect_uris": OOB, "scopes": "read root"}
    )
    assert answer.status_code == 422
    assert "root" in answer.json()["error"]


async def test_the_authorize_page_sends_a_visitor_to_the_login_page_first(
    oauth: OAuthCity,
) -> None:
    app = await oauth.register()
    answer = await oauth.consent_page(app)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=%2Foauth%2Fauthorize%3F")


async def test_the_login_page_goes_back_to_the_consent_page(oauth: OAuthCity) -> None:
    app = await oauth.register()
    back = (await oauth.consent_page(app)).headers["location"]
    page = await oauth.http.get(back)
    fields = dict(
        csrf_token=page.text.split('name="csrf_token" value="')[1].split('"')[0],
        next=page.text.split('name="next" value="')[1].split('"')[0].replace("&amp;", "&"),
        username="alice",
        password="correct horse battery",
    )
    answer = await oauth.http.post("/login", data=fields)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/oauth/authorize?client_id=")


async def test_the_login_never_redirects_to_another_site(oauth: OAuthCity) -> None:
    page = await oauth.http.get("/login", params={"next": "//evil.example/x"})
    assert "evil.example" not in page.text


async def test_the_consent_page_names_the_app_and_the_scopes(oauth: OAuthCity) -> None:
    app = await oauth.register()
    await oauth.web_login("alice")
    page = await oauth.consent_page(app, scope="read write:statuses")
    assert page.status_code == 200
    assert "Test app" in page.text
    assert "<code>read</code>" in page.text and "<code>write:statuses</code>" in page.text


async def test_the_consent_page_may_not_be_framed_by_another_site(oauth: OAuthCity) -> None:
    app = await oauth.register()
    await oauth.web_login("alice")
    page = await oauth.consent_page(app)
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


async def test_the_redirect_carries_the_state(oauth: OAuthCity) -> None:
    app = await oauth.register()
    await oauth.web_login("alice")
    answer = await oauth.approve(await oauth.consent_page(app, state="s-123"))
    assert answer.headers["location"].startswith(CALLBACK + "?code=")
    assert "state=s-123" in answer.headers["location"]


async def test_the_plain_pkce_method_is_refused(oauth: OAuthCity) -> None:
    app = await oauth.register()
    await oauth.web_login("alice")
    page = await oauth.consent_page(app, code_challenge="p" * 50, code_challenge_method="plain")
    assert page.status_code == 400


async def test_an_unregistered_redirect_uri_is_shown_an_error_not_redirected_to(
    oauth: OAuthCity,
) -> None:
    app = await oauth.register()
    await oauth.web_login("alice")
    answer = await oauth.consent_page(app, redirect_uri="https://evil.example/cb")
    assert answer.status_code == 400
    assert "location" not in answer.headers


async def test_an_unknown_client_is_shown_an_error_at_the_authorize_page(oauth: OAuthCity) -> None:
    await oauth.web_login("alice")
    answer = await oauth.consent_page({"client_id": "nobody"})
    assert answer.status_code == 400
    assert "does not exist" in answer.text


async def test_a_denial_redirects_with_access_denied(oauth: OAuthCity) -> None:
    app = await oauth.register()
    await oauth.web_login("alice")
    answer = await oauth.approve(await oauth.consent_page(app), decision="deny")
    assert answer.status_code == 302
    assert "error=access_denied" in answer.headers["location"]


async def test_the_consent_needs_the_forms_csrf_token(oauth: OAuthCity) -> None:
    app = await oauth.register()
    await oauth.web_login("alice")
    page = await oauth.consent_page(app)
    assert page.status_code == 200
    answer = await oauth.http.post(
        "/oauth/authorize",
        data={
            "client_id": app["client_id"],
            "response_type": "code",
            "redirect_uri": CALLBACK,
            "decision": "approve",
        },
    )
    assert answer.status_code == 403


async def test_the_authorize_page_tolerates_a_trailing_slash_as_toot_sends_it(
    oauth: OAuthCity,
) -> None:
    app = await oauth.register()
    await oauth.web_login("alice")
    page = await oauth.http.get(
        "/oauth/authorize/",
        params={"client_id": app["client_id"], "response_type": "code", "redirect_uri": OOB},
    )
    assert page.status_code == 200
    assert "Test app" in page.text


async def test_force_login_ends_the_web_session_first(oauth: OAuthCity) -> None:
    app = await oauth.register()
    await oauth.web_login("alice")
    answer = await oauth.consent_page(app, force_login="true")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=")
    assert "force_login" not in answer.headers["location"]
    assert (await oauth.consent_page(app)).status_code == 303  # logged out
