"""OAuth applications: registering one (`POST /api/v1/apps`), finding one, checking its secret.

What is refused at registration, with Mastodon's wording where it has one: no name, no
redirect URI, a redirect URI that is neither an absolute URI nor the out-of-band URN, an
unknown scope. Secrets and client ids come from Authlib's generator; only the secret's
sha256 is kept (models/oauth_application.py says why).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import urlsplit

from authlib.common.security import generate_token
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OAuthApplication

from . import oauth_scopes
from .errors import DomainError

#: the redirect URI that asks for the code on a page instead of a redirect
OOB = "urn:ietf:wg:oauth:2.0:oob"
#: the built-in app of the CLI's personal tokens (migration 0010 makes it)
CLI_CLIENT_ID = "comptoir-cli"
CLI_NAME = "Comptoir CLI"
MAX_REDIRECT_URIS = 20


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Registered:
    """A new app, with its secret in clear: shown once."""

    app: OAuthApplication
    client_secret: str


def redirect_uris_of(app: OAuthApplication) -> list[str]:
    return [uri for uri in app.redirect_uris.splitlines() if uri]


def _check_redirect_uri(uri: str) -> None:
    if uri == OOB:
        return
    parts = urlsplit(uri)
    if not parts.scheme or not (parts.netloc or parts.path) or parts.fragment:
        raise DomainError(
            "invalid_redirect_uri", f"Redirect URI {uri!r} must be an absolute URI.", 422
        )


def register(
    session: Session,
    name: str,
    redirect_uris: list[str],
    scopes: str | None,
    website: str | None,
) -> Registered:
    name = name.strip()
    if not name:
        raise DomainError("invalid_name", "Validation failed: Application name can't be blank", 422)
    if len(name) > 200:
        raise DomainError("invalid_name", "Validation failed: Application name is too long", 422)
    uris = [u.strip() for u in redirect_uris if u.strip()]
    if not uris:
        raise DomainError(
            "invalid_redirect_uri", "Validation failed: Redirect URI can't be blank", 422
        )
    if len(uris) > MAX_REDIRECT_URIS:
        raise DomainError("invalid_redirect_uri", "Validation failed: too many redirect URIs", 422)
    for uri in uris:
        _check_redirect_uri(uri)
    wanted = oauth_scopes.parse(scopes) or [oauth_scopes.DEFAULT]
    strange = oauth_scopes.unknown(wanted)
    if strange:
        raise DomainError(
            "invalid_scope", f"Validation failed: Scopes unknown: {' '.join(strange)}", 422
        )
    website = (website or "").strip() or None
    if website is not None and not _is_web_address(website):
        # it is shown as a link on the consent page: never `javascript:` (as Mastodon)
        raise DomainError("invalid_website", "Validation failed: Website is invalid", 422)
    if website is not None and len(website) > 500:
        raise DomainError("invalid_website", "Validation failed: Website is too long", 422)
    secret = generate_token(43)
    app = OAuthApplication(
        client_id=generate_token(43),
        client_secret_hash=secret_hash(secret),
        name=name,
        website=website,
        redirect_uris="\n".join(uris),
        scopes=" ".join(wanted),
    )
    session.add(app)
    session.flush()
    return Registered(app, secret)


def _is_web_address(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def find(session: Session, client_id: str) -> OAuthApplication | None:
    return session.scalar(select(OAuthApplication).where(OAuthApplication.client_id == client_id))


def secret_matches(app: OAuthApplication, secret: str) -> bool:
    """Whether `secret` is the app's; never for the built-in app, which has none."""
    if not app.client_secret_hash:
        return False
    return hmac.compare_digest(app.client_secret_hash, secret_hash(secret))


def is_built_in(app: OAuthApplication) -> bool:
    return app.client_id == CLI_CLIENT_ID


def cli_app(session: Session) -> OAuthApplication:
    """The built-in app of personal tokens (made here too for a database made without
    migration 0010's row, e.g. one whose row an admin deleted)."""
    app = find(session, CLI_CLIENT_ID)
    if app is None:
        app = OAuthApplication(
            client_id=CLI_CLIENT_ID,
            client_secret_hash="",
            name=CLI_NAME,
            redirect_uris="",
            scopes=" ".join(oauth_scopes.ALL_SCOPES),
        )
        session.add(app)
        session.flush()
    return app
