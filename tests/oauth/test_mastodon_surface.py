"""What apps read before and around logging in: instance v1/v2, the OAuth metadata, CORS,
trailing slashes, and the personal token as an OAuth token."""

from __future__ import annotations

import pytest

from api.auth import issue_token
from exchange import instance_settings
from instance.version import VERSION

from .conftest import OAuthCity


@pytest.fixture
def backend() -> str:
    """SQLite alone: these answers do not depend on the database (CI time is shared)."""
    return "sqlite"


async def test_instance_v2_reports_a_mastodon_version_and_api_version(oauth: OAuthCity) -> None:
    answer = (await oauth.http.get("/api/v2/instance")).json()
    assert answer["version"] == f"4.3.0 (compatible; Comptoir {VERSION})"
    assert answer["api_versions"] == {"mastodon": 2}
    assert answer["configuration"]["statuses"]["max_characters"] == 5000
    assert answer["configuration"]["media_attachments"]["supported_mime_types"]
    assert isinstance(answer["configuration"]["media_attachments"]["image_size_limit"], int)
    assert set(answer["registrations"]) >= {"enabled", "approval_required", "message"}
    assert set(answer) >= {"domain", "title", "usage", "thumbnail", "languages", "contact", "rules"}


async def test_instance_v1_has_the_configuration_limits(oauth: OAuthCity) -> None:
    answer = (await oauth.http.get("/api/v1/instance")).json()
    assert answer["version"].startswith("4.3.0 (compatible; Comptoir ")
    assert answer["configuration"]["statuses"]["max_media_attachments"] == 4
    assert "polls" in answer["configuration"]


async def test_peers_are_hidden_when_the_admin_shows_no_domain_lists(oauth: OAuthCity) -> None:
    assert (await oauth.http.get("/api/v1/instance/peers")).status_code == 404


async def test_peers_are_public_when_the_admin_shows_domain_lists_to_all(
    oauth: OAuthCity,
) -> None:
    oauth.db.write_sync(lambda s: instance_settings.set_domains_visibility(s, "all", None))
    answer = await oauth.http.get("/api/v1/instance/peers")
    assert answer.status_code == 200
    assert answer.json() == []


async def test_the_authorization_server_metadata_names_the_endpoints(oauth: OAuthCity) -> None:
    answer = (await oauth.http.get("/.well-known/oauth-authorization-server")).json()
    base = "http://127.0.0.1:8999"
    assert answer["issuer"] == f"{base}/"
    assert answer["authorization_endpoint"] == f"{base}/oauth/authorize"
    assert answer["token_endpoint"] == f"{base}/oauth/token"
    assert answer["revocation_endpoint"] == f"{base}/oauth/revoke"
    assert answer["app_registration_endpoint"] == f"{base}/api/v1/apps"
    assert answer["code_challenge_methods_supported"] == ["S256"]
    assert "password" in answer["grant_types_supported"]
    assert "read:statuses" in answer["scopes_supported"]


async def test_the_api_answers_cors_preflights_from_any_origin(oauth: OAuthCity) -> None:
    answer = await oauth.http.options(
        "/oauth/token",
        headers={
            "Origin": "https://elk.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "*"


async def test_api_answers_carry_cors_headers(oauth: OAuthCity) -> None:
    answer = await oauth.http.get("/api/v2/instance", headers={"Origin": "https://elk.example"})
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "Link" in answer.headers["access-control-expose-headers"]


async def test_pages_and_the_authorize_page_carry_no_cors_headers(oauth: OAuthCity) -> None:
    for path in ("/login", "/oauth/authorize"):
        answer = await oauth.http.get(path, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in answer.headers


async def test_a_trailing_slash_is_tolerated_on_the_mastodon_api(oauth: OAuthCity) -> None:
    answer = await oauth.http.get("/api/v1/instance/")
    assert answer.status_code == 200
    app = await oauth.http.post(
        "/api/v1/apps/", data={"client_name": "Slash", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}
    )
    assert app.status_code == 200


async def test_a_personal_token_is_a_token_of_the_cli_app_with_every_scope(
    oauth: OAuthCity,
) -> None:
    token = oauth.db.write_sync(lambda s: issue_token(s, "alice", "script"))
    assert token.startswith("cpt_")
    answer = await oauth.http.get(
        "/api/v1/apps/verify_credentials", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.json()["name"] == "Comptoir CLI"
    assert answer.json()["scopes"] == [
        "read",
        "write",
        "follow",
        "push",
        "admin:read",
        "admin:write",
    ]


async def test_the_mastodon_api_answers_a_refused_token_in_mastodons_shape(
    oauth: OAuthCity,
) -> None:
    answer = await oauth.http.get(
        "/api/v1/apps/verify_credentials", headers={"Authorization": "Bearer nope"}
    )
    assert answer.status_code == 401
    assert answer.json() == {"error": "the access token is unknown or revoked"}


#: the Instance entities' attributes as Mastodon 4.3 documents them
#: (docs.joinmastodon.org/entities/Instance and /entities/V1_Instance)
INSTANCE_V2_FIELDS = {
    "domain",
    "title",
    "version",
    "source_url",
    "description",
    "usage",
    "thumbnail",
    "icon",
    "languages",
    "configuration",
    "registrations",
    "api_versions",
    "contact",
    "rules",
}
INSTANCE_V1_FIELDS = {
    "uri",
    "title",
    "short_description",
    "description",
    "email",
    "version",
    "urls",
    "stats",
    "thumbnail",
    "languages",
    "registrations",
    "approval_required",
    "invites_enabled",
    "configuration",
    "contact_account",
    "rules",
}
CONFIGURATION_FIELDS = {"urls", "accounts", "statuses", "media_attachments", "polls"}


async def test_instance_v2_has_every_documented_attribute(oauth: OAuthCity) -> None:
    answer = (await oauth.http.get("/api/v2/instance")).json()
    assert set(answer) >= INSTANCE_V2_FIELDS, INSTANCE_V2_FIELDS - set(answer)
    assert set(answer["configuration"]) >= CONFIGURATION_FIELDS
    assert set(answer["usage"]["users"]) == {"active_month"}
    assert set(answer["contact"]) == {"email", "account"}
    assert set(answer["thumbnail"]) >= {"url"}


async def test_instance_v1_has_every_documented_attribute(oauth: OAuthCity) -> None:
    answer = (await oauth.http.get("/api/v1/instance")).json()
    assert set(answer) >= INSTANCE_V1_FIELDS, INSTANCE_V1_FIELDS - set(answer)
    assert set(answer["stats"]) == {"user_count", "status_count", "domain_count"}
    assert set(answer["urls"]) >= {"streaming_api"}
