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


def add_member(app: Any, name: str, password: str = "correct horse battery", *,
               role: Role = Role.member, status: MemberStatus = MemberStatus.active) -> None:
    credentials = members.prepare_credentials(password)
    app.state.city.db.write_sync(lambda s: members.add_member(s, name, credentials, role=role, status=status))
