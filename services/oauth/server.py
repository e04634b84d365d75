"""Authlib's OAuth 2 server over our tables: clients, codes, tokens, the grants.

One `OAuthServer` is made per request around the request's session (`server.session`):
Authlib's objects are cheap, and a server bound to one transaction cannot leak rows into
another. The grants are Authlib's (authorization code with PKCE S256, password, client
credentials, refresh token with rotation) and so is the revocation endpoint (RFC 7009); ours
are only the lookups and the storage they delegate to, in exchange/oauth_apps.py and
exchange/oauth_tokens.py.

Token requests run in two transactions (services/oauth/flows.py): the validation, where the
password grant's Argon2 check runs, in a read; the issue (token rows, the code's single use,
the refresh token's rotation) in a write, so that a password check never holds SQLite's
write lock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from authlib.common.security import generate_token
from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError, OAuth2Error
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from sqlalchemy.orm import Session

from exchange import members, oauth_apps, oauth_scopes, oauth_tokens
from exchange.errors import DomainError
from instance.login_throttle import LoginThrottle
from models import ApiToken, Member, OAuthApplication, OAuthCode

#: how apps authenticate at /oauth/token and /oauth/revoke (Mastodon: both)
CLIENT_AUTH = ["client_secret_basic", "client_secret_post"]
GRANT_TYPES = ("authorization_code", "password", "client_credentials", "refresh_token")
#: what to answer: status, JSON body, headers
Answer = tuple[int, Any, list[tuple[str, str]]]


def error_answer(error: OAuth2Error) -> Answer:
    status, body, headers = error()
    if error.error == "invalid_client":
        status = 401  # as Mastodon (Doorkeeper), whichever way the client authenticated
    return status, dict(body), list(headers)


class TooManyLogins(OAuth2Error):
    """The login throttle refuses this address or account for now."""

    error = "invalid_grant"
    status_code = 429


class CodeReplayed(InvalidGrantError):
    """A code traded a second time: refused, and the tokens of the first trade revoked."""

    def __init__(self, code_id: int) -> None:
        super().__init__("Invalid 'code' in request.")
        self.code_id = code_id


class Client(ClientMixin):
    """An app as Authlib sees it."""

    def __init__(self, app: OAuthApplication) -> None:
        self.app = app

    def get_client_id(self) -> str:
        return self.app.client_id

    def get_default_redirect_uri(self) -> str | None:
        uris = oauth_apps.redirect_uris_of(self.app)
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        # Mastodon: no scope means "read"; asking beyond the app's registration is refused
        wanted = oauth_scopes.parse(scope) or [oauth_scopes.DEFAULT]
        if oauth_scopes.unknown(wanted) or not oauth_scopes.all_covered(self.app.scopes, wanted):
            return None
        return " ".join(wanted)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in oauth_apps.redirect_uris_of(self.app)

    def check_client_secret(self, client_secret: str) -> bool:
        return oauth_apps.secret_matches(self.app, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in CLIENT_AUTH and not oauth_apps.is_built_in(self.app)

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and not oauth_apps.is_built_in(self.app)

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in GRANT_TYPES and not oauth_apps.is_built_in(self.app)


@dataclass
class Code:
    """An authorization code row as Authlib's grant and PKCE extension read it."""

    row: OAuthCode

    @property
    def code_challenge(self) -> str | None:
        return self.row.code_challenge

    @property
    def code_challenge_method(self) -> str | None:
        return self.row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope


@dataclass
class Token:
    """A token row as the refresh grant and the revocation endpoint read it."""

    row: ApiToken

    def check_client(self, client: Client) -> bool:
        return self.row.application_id == client.app.id

    def get_scope(self) -> str:
        return self.row.scopes

    def get_expires_in(self) -> int:
        return 0

    def is_expired(self) -> bool:
        return False

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None

    def get_user(self) -> int | None:
        return self.row.member_id

    def get_client(self) -> None:  # not needed by the grants we use
        return None


def _server(grant: Any) -> OAuthServer:
    server: OAuthServer = grant.server
    return server


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH

    def save_authorization_code(self, code: str, request: Any) -> None:
        data = request.payload.data
        oauth_tokens.store_code(
            _server(self).session,
            code,
            request.client.app,
            request.user.id,
            request.payload.redirect_uri or "",
            request.scope,
            data.get("code_challenge"),
            data.get("code_challenge_method"),
        )

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        session = _server(self).session
        row = oauth_tokens.usable_code(session, code, client.app)
        if row is None:
            replayed = oauth_tokens.used_code_id(session, code, client.app)
            if replayed is not None:
                raise CodeReplayed(replayed)
            return None
        return Code(row)

    def delete_authorization_code(self, authorization_code: Code) -> None:
        # "used once": marked used in the transaction that issues the token
        try:
            oauth_tokens.claim_code(_server(self).session, authorization_code.row.id)
        except DomainError as exc:  # a concurrent trade won: a replay all the same
            raise CodeReplayed(authorization_code.row.id) from exc

    def authenticate_user(self, authorization_code: Code) -> Member | None:
        return _server(self).active_member(authorization_code.row.member_id)


class PasswordGrant(grants.ResourceOwnerPasswordCredentialsGrant):
    """Through the login throttle and the Argon2 check, as the web login."""

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH

    def authenticate_user(self, username: str, password: str) -> Member | None:
        server = _server(self)
        username = members.login_name(server.session, username)  # Mastodon apps send the email
        wait = server.throttle.wait(server.address, username)
        if wait is not None:  # before the password is looked at: a right guess is refused too
            raise TooManyLogins(f"Too many failed logins; try again in {wait} s.")
        try:
            return members.authenticate(server.session, username, password)
        except DomainError as exc:
            if exc.code == "invalid_credentials":
                server.throttle.failed(server.address, username)
            # invalid_grant, as RFC 6749 (5.2) and Mastodon say (Authlib's own would be
            # invalid_request); suspended and pending members are told why
            raise InvalidGrantError(exc.message) from exc


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation: each refresh token is good once

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        row = oauth_tokens.live_by_refresh(_server(self).session, refresh_token)
        return Token(row) if row is not None else None

    def authenticate_user(self, refresh_token: Token) -> Member | None:
        member_id = refresh_token.row.member_id
        return _server(self).active_member(member_id) if member_id is not None else None

    def revoke_old_credential(self, refresh_token: Token) -> None:
        try:
            oauth_tokens.revoke(_server(self).session, refresh_token.row.id)
        except DomainError as exc:
            raise InvalidGrantError(exc.message) from exc


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = CLIENT_AUTH

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        session = self.server.session
        row = None
        if token_type_hint != "refresh_token":
            row = oauth_tokens.live_by_access(session, token_string)
        if row is None and token_type_hint != "access_token":
            row = oauth_tokens.live_by_refresh(session, token_string)
        return Token(row) if row is not None else None

    def revoke_token(self, token: Token, request: Any) -> None:
        try:
            oauth_tokens.revoke(self.server.session, token.row.id)
        except DomainError:
            pass  # revoked meanwhile by another request: the outcome asked for


class S256Only(CodeChallenge):
    """PKCE with S256 alone, as Mastodon 4.3 (`plain` gives nothing over no PKCE)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]


def _token_generator() -> BearerTokenGenerator:
    def access(**_: Any) -> str:
        return generate_token(43)  # 256 bits

    # 0: no expiry, as Mastodon's tokens (apps never refresh); revocation ends a token
    return BearerTokenGenerator(access, access, expires_generator=lambda client, grant: 0)


class OAuthServer(AuthorizationServer):
    """Authlib's server bound to one session, one client address and the login throttle."""

    def __init__(self, session: Session, throttle: LoginThrottle, address: str) -> None:
        super().__init__(scopes_supported=sorted(oauth_scopes.KNOWN))
        self.session = session
        self.throttle = throttle
        self.address = address
        generator = _token_generator()
        self.register_token_generator("default", self._with_created_at(generator))
        self.register_grant(AuthorizationCodeGrant, [S256Only(required=False)])
        self.register_grant(PasswordGrant)
        self.register_grant(ClientCredentialsGrant)
        self.register_grant(RefreshTokenGrant)
        self.register_endpoint(Revocation)

    @staticmethod
    def _with_created_at(generator: BearerTokenGenerator) -> Any:
        def generate(**kwargs: Any) -> dict[str, Any]:
            token: dict[str, Any] = generator(**kwargs)
            token["created_at"] = int(time.time())  # Mastodon's Token entity has it
            return token

        return generate

    def active_member(self, member_id: int) -> Member | None:
        member = self.session.get(Member, member_id)
        return member if member is not None and member.is_active else None

    def query_client(self, client_id: str) -> Client | None:
        app = oauth_apps.find(self.session, client_id)
        return Client(app) if app is not None else None

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        member = request.user
        # the code a token descends from, through refreshes too: a replay revokes them all
        code_id = None
        if isinstance(request.authorization_code, Code):
            code_id = request.authorization_code.row.id
        elif isinstance(request.refresh_token, Token):
            code_id = request.refresh_token.row.authorization_code_id
        if member is not None:
            members.mark_seen(self.session, member.id)  # NodeInfo's active users, as a login
        oauth_tokens.store(
            self.session,
            request.client.app,
            member.id if member is not None else None,
            token["access_token"],
            token.get("scope") or oauth_scopes.DEFAULT,
            token.get("refresh_token"),
            code_id,
        )

    def create_oauth2_request(self, request: Any) -> Any:
        return request  # made by services/oauth/requests.py before the transaction

    def create_json_request(self, request: Any) -> Any:
        return request

    def handle_error_response(self, request: Any, error: OAuth2Error) -> Answer:
        return error_answer(error)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass  # no listeners

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> Answer:
        return status, body, headers
