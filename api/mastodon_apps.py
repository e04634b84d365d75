"""`POST /api/v1/apps` and `GET /api/v1/apps/verify_credentials`: Mastodon's Application.

Registration is open to anyone, as on Mastodon (an app must exist before anybody logs in
with it), and limited per address like the join form. The body is a form or JSON;
`redirect_uris` a string (one URI per line) or an array. The answer holds the client secret
once; only its hash is kept (models/oauth_application.py). `vapid_key` is the city's Web Push
key (instance/vapid.py), which apps give the push service when they subscribe.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import oauth_apps
from exchange.errors import DomainError
from instance import vapid
from instance.city import city_of
from models import OAuthApplication
from services.oauth.requests import body_values

from .auth import bearer
from .mastodon_admin import mastodon_errors


def render(app: OAuthApplication) -> dict[str, Any]:
    uris = oauth_apps.redirect_uris_of(app)
    return {
        "id": str(app.id),
        "name": app.name,
        "website": app.website,
        "scopes": app.scopes.split(),
        "redirect_uri": "\n".join(uris),
        "redirect_uris": uris,
    }


def _redirect_uris(values: list[tuple[str, str]]) -> list[str]:
    found: list[str] = []
    for key, value in values:
        if key in ("redirect_uris", "redirect_uris[]"):
            found += value.splitlines()
    return found


@mastodon_errors
async def create(request: Request) -> Response:
    city = city_of(request)
    address = request.client.host if request.client else "?"
    if not await city.auth_limiter.allow_async(f"{request.url.path}:{address}"):
        raise DomainError("too_many_requests", "Too many requests", 429)
    values = await body_values(request)
    fields = dict(values)

    def work(session: Session) -> tuple[oauth_apps.Registered, str]:
        registered = oauth_apps.register(
            session,
            fields.get("client_name", ""),
            _redirect_uris(values),
            fields.get("scopes"),
            fields.get("website"),
        )
        return registered, vapid.public_key(session)

    registered, vapid_key = await city.db.write(work)
    return JSONResponse(
        {
            **render(registered.app),
            "client_id": registered.app.client_id,
            "client_secret": registered.client_secret,
            "client_secret_expires_at": 0,
            "vapid_key": vapid_key,
        }
    )


@mastodon_errors
async def verify_credentials(request: Request) -> Response:
    """The app of the token (a member's token or the app's own)."""
    found = await bearer(request)
    return JSONResponse(render(found.app))


def routes() -> list[Route]:
    return [
        Route("/api/v1/apps", create, methods=["POST"]),
        Route("/api/v1/apps/verify_credentials", verify_credentials, methods=["GET"]),
    ]
