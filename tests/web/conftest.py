from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from exchange import members
from models import MemberStatus, Role

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A resident's browser: keeps cookies, reads the CSRF token from forms it loads."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def form_token(self, path: str) -> str:
        page = await self.client.get(path)
        match = CSRF_RE.search(page.text)
        assert match, f"no form on {path}"
        return match.group(1)

    async def submit(self, page: str, action: str, **fields: str) -> httpx.Response:
        token = await self.form_token(page)
        return await self.client.post(action, data={"csrf_token": token, **fields})


@pytest.fixture
def web_city(in_process_city: Callable[..., Any]) -> Callable[..., Any]:
    async def make(**sections: dict[str, Any]) -> tuple[Any, Browser]:
        app, _, http = in_process_city(**sections)
        return app, Browser(http)

    return make


async def logged_in(app: Any, name: str, password: str = "correct horse battery") -> Browser:
    """A browser of its own (cookies, CSRF) in which `name` has logged in; the caller closes it."""
    base_url = app.state.city.settings.base_url
    browser = Browser(httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url))
    answer = await browser.submit("/login", "/login", username=name, password=password)
    assert answer.status_code == 303, answer.text
    return browser


def add_member(
    app: Any,
    name: str,
    password: str = "correct horse battery",
    *,
    role: Role = Role.member,
    status: MemberStatus = MemberStatus.active,
) -> None:
    credentials = members.prepare_credentials(password)
    app.state.city.db.write_sync(
        lambda s: members.add_member(s, name, credentials, role=role, status=status)
    )
