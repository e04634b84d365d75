"""The adapter between Starlette and Authlib: an `OAuth2Request` from a Starlette request.

Authlib is synchronous and reads the body as a mapping; Starlette reads it asynchronously.
So the edge reads the form (or JSON: Mastodon apps send either) first, and the request
handed to Authlib carries it as plain data, usable in the worker thread of a transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from authlib.oauth2.rfc6749 import OAuth2Payload, OAuth2Request
from starlette.requests import Request

from instance.city import city_of

#: a body larger than this is not an OAuth request
MAX_BODY = 64 * 1024


class Payload(OAuth2Payload):
    def __init__(self, values: list[tuple[str, str]]) -> None:
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in values:
            self._datalist[key].append(value)
        self._data = {key: found[0] for key, found in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class StarletteOAuth2Request(OAuth2Request):
    """What Authlib needs of a request: method, URL, headers, query and body parameters."""

    def __init__(
        self,
        method: str,
        uri: str,
        headers: Mapping[str, str],
        query: list[tuple[str, str]],
        body: list[tuple[str, str]],
    ) -> None:
        super().__init__(method=method, uri=uri, headers=headers)
        self._args = dict(query)
        self._form = dict(body)
        self.payload = Payload(query + body)

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


def _flat(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    if value is None:
        return []
    return [str(value)]


async def body_values(request: Request) -> list[tuple[str, str]]:
    """The body's parameters, from a form or a JSON object (arrays give repeated keys)."""
    if request.method in ("GET", "HEAD"):
        return []
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return []
        try:
            document = await request.json()
        except ValueError:
            return []
        if not isinstance(document, dict):
            return []
        return [(str(k), v) for k, value in document.items() for v in _flat(value)]
    form = await request.form()
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


def public_uri(request: Request) -> str:
    """The URL as the city is known (its configured https base), not as the proxy in front of
    it called us: Authlib refuses plain-http URIs that are not loopback."""
    query = request.url.query
    return city_of(request).urls.base + request.url.path + (f"?{query}" if query else "")


async def oauth_request(request: Request) -> StarletteOAuth2Request:
    return StarletteOAuth2Request(
        request.method,
        public_uri(request),
        request.headers,  # case-insensitive, as Authlib's `Authorization` lookup needs
        list(request.query_params.multi_items()),
        await body_values(request),
    )
