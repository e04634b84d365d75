"""Finding a request's route among the city's: Starlette's full scan beside our index.

    .venv/bin/python -m bench.routing [--calls 20000]

For a few paths apps and cities call (the Mastodon home timeline, paying a settlement,
verify_credentials, the home page), the time to find the route that
answers, over all the city's routes (server.routing and api.routes): Starlette's own order
(every route's regular expression until one matches) and server/router.py's (only the
routes the path's first segment and literal start allow). Both must pick the same route. A
path no route matches goes on to Starlette's own scan (its slash redirect, its 404), so it
costs a little more than before: not timed here.
"""

from __future__ import annotations

import argparse
import time

from starlette.routing import BaseRoute, Route

from api.routes import routes as api_routes
from server.router import IndexedRouter, first_match
from server.routing import all_routes

from .common import row

PATHS = [
    ("GET", "/api/v1/timelines/home"),
    ("POST", "/api/comptoir/v1/negotiations/abc/agreement/pay"),
    ("GET", "/api/v1/accounts/verify_credentials"),
    ("GET", "/"),
]


def timed(find: object, calls: int) -> float:
    assert callable(find)
    start = time.perf_counter()
    for _ in range(calls):
        find()
    return (time.perf_counter() - start) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args()
    routes: list[BaseRoute] = [Route("/health", lambda _: None), *all_routes(), *api_routes()]
    router = IndexedRouter(routes)
    print(f"{len(routes)} routes", flush=True)
    for method, path in PATHS:
        scope = {"type": "http", "method": method, "path": path, "root_path": ""}
        assert router.match(scope) == first_match(routes, scope)
        scan = timed(lambda s=scope: first_match(routes, s), args.calls)
        index = timed(lambda s=scope: router.match(s), args.calls)
        row(f"{method} {path}: Starlette's scan", scan, "us", precise=True)
        row(f"{method} {path}: indexed", index, "us", scan, precise=True)


if __name__ == "__main__":
    main()
