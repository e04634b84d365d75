"""Starlette's router, asked only the routes that could match a request's path.

Starlette tries every route in order, each with its regular expression. With some three
hundred routes that scan cost 0.1-0.2 ms per request before any work (the Mastodon home
timeline is the 173rd route, paying a settlement the 303rd): more than an endpoint that
reads one row. A route's path starts with literal text up to its first parameter, and a
request's path must start with that text for the route to match, fully or partially (a
405). So the routes are indexed once by the first segment of that text, and a request
tries, in the original order, only the routes of its first segment and those whose
literal text stops inside it (`/@{username}`, a `Host`). The first full match, else the
first partial one, is the one the whole scan would have found; a path none of them
matches goes to Starlette's own handling (the slash redirect, the 404) unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match, Mount, Route, Router, WebSocketRoute
from starlette.types import Receive, Scope, Send

#: (literal start of a route's path, the route), in the router's order
Candidates = list[tuple[str, BaseRoute]]


def literal_start(route: BaseRoute) -> str:
    """The text every path this route matches starts with ('' when nothing is known)."""
    if isinstance(route, Route | WebSocketRoute | Mount):
        return route.path.split("{", 1)[0]
    return ""  # a Host, or a route of another kind: tried for every path


def first_segment(path: str) -> str:
    return path[1:].split("/", 1)[0]


def first_match(routes: Iterable[BaseRoute], scope: Scope) -> tuple[BaseRoute, Scope] | None:
    """Starlette's choice among `routes`: the first full match, else the first partial one
    (the right path, another method: its 405), with the scope it adds; None if none."""
    partial = None
    for route in routes:
        match, child_scope = route.matches(scope)
        if match is Match.FULL:
            return route, child_scope
        if match is Match.PARTIAL and partial is None:
            partial = route, child_scope
    return partial


class IndexedRouter(Router):
    """A Router whose scan is narrowed to the routes that could match (module docstring)."""

    _indexed: int = -1
    _by_segment: dict[str, Candidates]
    _anywhere: Candidates

    def _index(self) -> None:
        by_segment: dict[str, list[tuple[int, str, BaseRoute]]] = {}
        anywhere: list[tuple[int, str, BaseRoute]] = []
        for position, route in enumerate(self.routes):
            start = literal_start(route)
            segment = first_segment(start)
            # the first segment is known when the literal text goes past it, or when the
            # whole path is literal (`/health`)
            whole = start.startswith("/") and (
                "/" in start[1:] or (start == getattr(route, "path", None) and segment != "")
            )
            entry = (position, start, route)
            if whole:
                by_segment.setdefault(segment, []).append(entry)
            else:
                anywhere.append(entry)
        self._anywhere = [(start, route) for _, start, route in anywhere]
        self._by_segment = {
            segment: [(start, route) for _, start, route in sorted(entries + anywhere)]
            for segment, entries in by_segment.items()
        }
        self._indexed = len(self.routes)

    def candidates(self, path: str) -> Candidates:
        if self._indexed != len(self.routes):  # a route added since: index again
            self._index()
        return self._by_segment.get(first_segment(path), self._anywhere)

    def match(self, scope: Scope) -> tuple[BaseRoute, Scope] | None:
        """The route the whole scan would choose, tried among the candidates only."""
        path = get_route_path(scope)
        possible = (route for start, route in self.candidates(path) if path.startswith(start))
        return first_match(possible, scope)

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await super().app(scope, receive, send)
            return
        if "router" not in scope:
            scope["router"] = self
        found = self.match(scope)
        if found is None:  # Starlette's own handling: the slash redirect, the 404
            await super().app(scope, receive, send)
            return
        route, child_scope = found
        scope["route"] = route
        scope.update(child_scope)
        await route.handle(scope, receive, send)
