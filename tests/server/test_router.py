"""The indexed router answers every request with the route Starlette's full scan would pick."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from api.routes import routes as api_routes
from server.router import IndexedRouter, first_match
from server.routing import all_routes

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def examples(path: str) -> list[str]:
    """A path the route matches, and near misses around it."""
    concrete = re.sub(r"\{[^}:]+(:path)?\}", lambda m: "a/b" if m.group(1) else "x1", path)
    concrete = concrete or "/"
    return [concrete, concrete + "/", concrete + "/more", concrete.rstrip("/") + "x"]


def test_every_route_of_the_city_is_chosen_as_by_the_full_scan() -> None:
    routes: list[BaseRoute] = [*all_routes(), *api_routes()]
    router = IndexedRouter(routes)
    for route in routes:
        for path in examples(getattr(route, "path", "/")):
            for method in METHODS:
                scope = {"type": "http", "path": path, "method": method, "root_path": ""}
                assert router.match(scope) == first_match(routes, scope), (method, path)


async def hello(_: Request) -> Response:
    return PlainTextResponse("hello")


async def user(request: Request) -> Response:
    return PlainTextResponse(f"user {request.path_params['name']}")


async def at(request: Request) -> Response:
    return PlainTextResponse(f"at {request.path_params['name']}")


def client(routes: list[BaseRoute]) -> tuple[Starlette, httpx.AsyncClient]:
    app = Starlette()
    app.router = IndexedRouter(routes)
    return app, httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_a_literal_route_and_a_parameter_route_answer() -> None:
    _, http = client([Route("/health", hello), Route("/users/{name}", user), Route("/@{name}", at)])
    assert (await http.get("/health")).text == "hello"
    assert (await http.get("/users/ada")).text == "user ada"
    assert (await http.get("/@ada")).text == "at ada"


async def test_the_wrong_method_is_still_405() -> None:
    _, http = client([Route("/items", hello, methods=["GET"])])
    assert (await http.post("/items")).status_code == 405


async def test_an_unknown_path_is_still_404() -> None:
    _, http = client([Route("/items", hello)])
    assert (await http.get("/nothing")).status_code == 404


async def test_a_trailing_slash_is_still_redirected() -> None:
    _, http = client([Route("/items", hello)])
    answer = await http.get("/items/", follow_redirects=False)
    assert answer.status_code == 307
    assert answer.headers["location"].endswith("/items")


async def test_a_mounted_app_answers_under_its_prefix() -> None:
    _, http = client([Mount("/static", routes=[Route("/hello", hello)])])
    assert (await http.get("/static/hello")).text == "hello"


async def test_a_route_added_after_the_first_request_is_found() -> None:
    app, http = client([Route("/items", hello)])
    assert (await http.get("/later")).status_code == 404
    app.router.routes.append(Route("/later", hello))
    assert (await http.get("/later")).text == "hello"


@pytest.mark.parametrize("path", ["/", "/health"])
async def test_the_first_of_two_matching_routes_wins(path: str) -> None:
    async def second(_: Request) -> Response:
        return PlainTextResponse("second")

    _, http = client([Route("/{anything:path}", hello), Route(path, second)])
    assert (await http.get(path)).text == "hello"
