"""The OAuth use cases the edges call: token, revoke, authorize (consent, then decision),
and the RFC 8414 metadata. (Registering an app is one domain call: exchange/oauth_apps.py.)

Each returns what to answer as `(status, body, headers)`; the edges only turn that into a
Starlette response (JSON, a redirect, or our page showing an out-of-band code).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from sqlalchemy.orm import Session
from starlette.requests import Request

from exchange import oauth_apps, oauth_scopes, oauth_tokens
from instance.city import city_of
from instance.urls import Urls
from models import Member

from .requests import StarletteOAuth2Request, body_values, oauth_request, public_uri
from .server import (
    CLIENT_AUTH,
    GRANT_TYPES,
    Answer,
    CodeReplayed,
    OAuthServer,
    error_answer,
)


def _address(request: Request) -> str:
    return request.client.host if request.client else "?"


async def token(request: Request) -> Answer:
    """`POST /oauth/token`: validate in a read (the password grant's Argon2 check runs there),
    then issue in a write (token rows, the code used once, the refresh token rotated)."""
    city = city_of(request)
    req = await oauth_request(request)
    address = _address(request)

    def validate(session: Session) -> Any:
        server = OAuthServer(session, city.login_throttle, address)
        grant = server.get_token_grant(req)
        grant.validate_token_request()
        return grant

    try:
        grant = await city.db.read(validate)

        def issue(session: Session) -> Answer:
            grant.server.session = session
            answer: Answer = grant.create_token_response()
            return answer

        status, body, headers = await city.db.write(issue)
    except CodeReplayed as replay:
        code_id = replay.code_id
        await city.db.write(lambda s: oauth_tokens.revoke_issued_from(s, code_id))
        return error_answer(replay)
    except OAuth2Error as error:
        return error_answer(error)
    return status, body, list(headers)


async def revoke(request: Request) -> Answer:
    """`POST /oauth/revoke` (RFC 7009): the app revokes one of its tokens."""
    city = city_of(request)
    req = await oauth_request(request)
    address = _address(request)

    def run(session: Session) -> Answer:
        server = OAuthServer(session, city.login_throttle, address)
        answer: Answer = server.create_endpoint_response("revocation", req)
        return answer

    return await city.db.write(run)


@dataclass(frozen=True)
class Consent:
    """What the consent page shows: which app asks for what."""

    app_name: str
    website: str | None
    scopes: list[str]
    redirect_uri: str
    #: the OAuth parameters to send back with the decision
    params: dict[str, str]


#: the authorization request's parameters, carried from the consent page to the decision
PARAMS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)


async def consent(request: Request, member: Member) -> Consent:
    """Check an authorization request (`GET /oauth/authorize`); OAuth2Error if it is bad."""
    city = city_of(request)
    req = await oauth_request(request)
    address = _address(request)

    def check(session: Session) -> Consent:
        server = OAuthServer(session, city.login_throttle, address)
        grant = server.get_consent_grant(req, member)
        app = grant.client.app
        return Consent(
            app_name=app.name,
            website=app.website,
            scopes=oauth_scopes.parse(grant.request.scope),
            redirect_uri=grant.redirect_uri,
            params={k: v for k, v in req.payload.data.items() if k in PARAMS},
        )

    result: Consent = await city.db.read(check)
    return result


@dataclass(frozen=True)
class Decision:
    """A redirect to the app, or (out of band) the code to show."""

    location: str | None
    oob_code: str | None
    error: str | None


async def decide(request: Request, member: Member, approve: bool) -> Decision:
    """The member's answer (`POST /oauth/authorize`): a code for the app, or access_denied."""
    city = city_of(request)
    values = [(k, v) for k, v in await body_values(request) if k in PARAMS]
    req = StarletteOAuth2Request("POST", public_uri(request), request.headers, [], values)
    address = _address(request)

    def run(session: Session) -> Answer:
        server = OAuthServer(session, city.login_throttle, address)
        grant = server.get_consent_grant(req, member)
        answer: Answer = server.create_authorization_response(
            req, grant_user=member if approve else None, grant=grant
        )
        return answer

    _, _, headers = await city.db.write(run)
    location = dict(headers).get("Location", "")
    if location.startswith(oauth_apps.OOB):
        query = parse_qs(urlsplit(location).query)
        if "code" in query:
            return Decision(None, query["code"][0], None)
        return Decision(None, None, query.get("error", ["access_denied"])[0])
    return Decision(location, None, None)


def metadata(urls: Urls) -> dict[str, Any]:
    """RFC 8414 authorization server metadata, as Mastodon 4.3 serves it."""
    base = urls.base
    document = {
        "issuer": f"{base}/",
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "app_registration_endpoint": f"{base}/api/v1/apps",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "scopes_supported": sorted(oauth_scopes.KNOWN),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment"],
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": list(GRANT_TYPES),
        "token_endpoint_auth_methods_supported": CLIENT_AUTH,
        "revocation_endpoint_auth_methods_supported": CLIENT_AUTH,
    }
    AuthorizationServerMetadata(document).validate()  # Authlib checks the shape
    return document
