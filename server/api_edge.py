"""What the Mastodon client API needs of every request, before routing: CORS on the paths
browser apps call, and trailing slashes tolerated.

CORS (Starlette's CORSMiddleware, as Mastodon's `config/initializers/cors.rb`): any origin
on `/api/`, `/oauth/token`, `/oauth/revoke` and `/.well-known/`, no cookies (tokens travel
in the Authorization header), `Link` and the rate-limit headers exposed. Other paths, the
HTML pages and `/oauth/authorize` above all, get no CORS headers.

Trailing slashes: `/api/v1/instance/` is served as `/api/v1/instance` (apps build URLs by
concatenation), by rewriting the path instead of redirecting (a redirected POST loses its
body with some clients).
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

CORS_PREFIXES = ("/api/", "/.well-known/")
CORS_PATHS = ("/oauth/token", "/oauth/revoke")
EXPOSED = ["Link", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"]


def wants_cors(path: str) -> bool:
    return path.startswith(CORS_PREFIXES) or path.rstrip("/") in CORS_PATHS


class ApiEdge:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=["*"],
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            expose_headers=EXPOSED,
            allow_credentials=False,
            max_age=3600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if len(path) > 1 and path.endswith("/") and path.startswith(("/api/", "/oauth/")):
            path = path.rstrip("/") or "/"
            scope = {**scope, "path": path, "raw_path": path.encode()}
        if wants_cors(path):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)
