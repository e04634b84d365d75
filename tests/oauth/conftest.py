"""OAuth in process (httpx over ASGI): a city with members, apps registered as Mastodon apps
register, the web login and consent page driven as a browser would."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from exchange import members
from models import MemberStatus

from ..ledger.conftest import credentials

PASSWORD = "correct horse battery"  # tests/ledger/conftest.py credentials()
OOB = "urn:ietf:wg:oauth:2.0:oob"
CALLBACK = "https://app.example/callback"


def pkce_pair(verifier: str = "v" * 50) -> tuple[str, str]:
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hidden_fields(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))


class OAuthCity:
    def __init__(self, app: Any, http: httpx.AsyncClient) -> None:
        self.app = app
        self.http = http
        self.db = app.state.city.db

    def member(self, name: str, status: MemberStatus = MemberStatus.active) -> None:
        self.db.write_sync(lambda s: members.add_member(s, name, credentials(), status=status))

    async def register(
        self, scopes: str = "read write follow push", redirect: str = f"{OOB}\n{CALLBACK}"
    ) -> dict[str, Any]:
        answer = await self.http.post(
            "/api/v1/apps",
            data={"client_name": "Test app", "redirect_uris": redirect, "scopes": scopes},
        )
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    async def token(self, app: dict[str, Any], **form: str) -> httpx.Response:
        body = {"client_id": app["client_id"], "client_secret": app["client_secret"], **form}
        return await self.http.post("/oauth/token", data=body)

    async def password_login(
        self, app: dict[str, Any], name: str, password: str = PASSWORD, scope: str = "read"
    ) -> httpx.Response:
        return await self.token(
            app, grant_type="password", username=name, password=password, scope=scope
        )

    async def web_login(self, name: str, password: str = PASSWORD) -> None:
        page = await self.http.get("/login")
        csrf = hidden_fields(page.text)["csrf_token"]
        answer = await self.http.post(
            "/login", data={"csrf_token": csrf, "username": name, "password": password}
        )
        assert answer.status_code == 303, answer.text

    async def consent_page(self, app: dict[str, Any], **params: str) -> httpx.Response:
        query = {
            "client_id": app["client_id"],
            "response_type": "code",
            "redirect_uri": CALLBACK,
            "scope": "read",
            **params,
        }
        return await self.http.get("/oauth/authorize", params=query)

    async def approve(self, page: httpx.Response, decision: str = "approve") -> httpx.Response:
        assert page.status_code == 200, page.text
        fields = hidden_fields(page.text)
        return await self.http.post("/oauth/authorize", data={**fields, "decision": decision})

    async def code(self, app: dict[str, Any], **params: str) -> str:
        answer = await self.approve(await self.consent_page(app, **params))
        assert answer.status_code == 302, answer.text
        return parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]


@pytest.fixture
async def oauth(in_process_city: Callable[..., Any]) -> OAuthCity:
    """A city with alice (active) and an httpx client of it; register apps with `register`."""
    app, _, http = in_process_city()
    city = OAuthCity(app, http)
    city.member("alice")
    return city
