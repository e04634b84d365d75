"""The JSON API in process (httpx over ASGI), with members and their personal tokens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from api.auth import issue_token
from exchange import members
from instance.settings import Settings
from models import MemberStatus, Role

from ..ledger.conftest import Book, credentials
from .mastodon_city import Masto

API = "/api/comptoir/v1"


class Client:
    """One city's API as a script would use it: requests carry the named member's token."""

    def __init__(self, app: Any, settings: Settings, http: httpx.AsyncClient) -> None:
        self.app = app
        self.settings = settings
        self.http = http
        self.book = Book(app.state.city.db, settings.currency)
        self.tokens: dict[str, str] = {}

    def member(
        self, name: str, *, role: Role = Role.member, status: MemberStatus = MemberStatus.active
    ) -> str:
        """Create a member and a token for them; returns the token."""
        db = self.app.state.city.db
        db.write_sync(
            lambda s: members.add_member(s, name, credentials(), role=role, status=status)
        )
        self.tokens[name] = db.write_sync(lambda s: issue_token(s, name))
        return self.tokens[name]

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    async def get(self, path: str, as_: str | None = None, **params: str) -> httpx.Response:
        return await self.http.get(API + path, params=params, headers=self.auth(as_) if as_ else {})

    async def post(self, path: str, body: Any, as_: str | None = None) -> httpx.Response:
        return await self.http.post(API + path, json=body, headers=self.auth(as_) if as_ else {})


@pytest.fixture
def api(in_process_city: Callable[..., Any]) -> Callable[..., Any]:
    """Make a city (keyword sections override its config) and a client of its API."""

    async def make(**sections: dict[str, Any]) -> Client:
        sections.setdefault("currency", {"credit_limit": "100.00"})
        return Client(*in_process_city(**sections))

    return make


@pytest.fixture
async def city(api: Callable[..., Any]) -> Client:
    """alice and bob (members), mayor (admin), each with a token; credit limit 100.00."""
    client: Client = await api()
    client.member("alice")
    client.member("bob")
    client.member("mayor", role=Role.admin)
    return client


@pytest.fixture
def masto(in_process_city: Callable[..., Any]) -> Masto:
    """A city with alice and bob (members with every scope), for the Mastodon client API."""
    app, _, http = in_process_city(moderation={"listing_review": "after"})
    city = Masto(app, http)
    city.member("alice")
    city.member("bob")
    return city
