"""The OAuth 2 endpoints of the Mastodon client API: `POST /oauth/token`, `POST /oauth/revoke`,
`GET /.well-known/oauth-authorization-server`.

Thin: the grants, their checks and the token storage are Authlib's and ours in
services/oauth; this turns their `(status, body, headers)` into JSON answers, in OAuth's
error shape (`{"error": ..., "error_description": ...}`). `/oauth/authorize`, an HTML page,
is in web/oauth.py.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from instance.city import city_of
from services.oauth import flows


def _json(answer: flows.Answer) -> Response:
    status, body, headers = answer
    return JSONResponse(body, status, headers=dict(headers))


async def token(request: Request) -> Response:
    return _json(await flows.token(request))


async def revoke(request: Request) -> Response:
    return _json(await flows.revoke(request))


async def metadata(request: Request) -> Response:
    return JSONResponse(flows.metadata(city_of(request).urls))


def routes() -> list[Route]:
    return [
        Route("/oauth/token", token, methods=["POST"]),
        Route("/oauth/revoke", revoke, methods=["POST"]),
        Route("/.well-known/oauth-authorization-server", metadata, methods=["GET"]),
    ]
