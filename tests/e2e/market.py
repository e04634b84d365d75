"""What the market's e2e tests do to real cities: members with tokens, API calls,
following markets.
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from api.auth import issue_token
from exchange import categories
from models import Direction, Follow, FollowState, Role
from services import social

from .helpers import act, add_member, eventually

API = "/api/comptoir/v1"


class Resident:
    """A member of a live city, calling its API with a personal token."""

    def __init__(self, city: Any, name: str, *, role: Role = Role.member) -> None:
        self.city = city
        self.name = name
        add_member(city, name, role=role)
        self.token = city.db.write_sync(lambda s: issue_token(s, name))
        self.uri = city.city.urls.member(name)

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def get(self, path: str, **params: str) -> httpx.Response:
        return await self.city.http.get(API + path, params=params, headers=self._headers())

    async def post(self, path: str, body: Any = None) -> httpx.Response:
        answer = await self.city.http.post(
            API + path, json=body if body is not None else {}, headers=self._headers()
        )
        return answer

    async def patch(self, path: str, body: Any) -> httpx.Response:
        return await self.city.http.patch(API + path, json=body, headers=self._headers())

    async def ok(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        answer = await (self.post(path, body) if method == "post" else self.patch(path, body))
        assert answer.status_code in (200, 201), answer.text
        result: dict[str, Any] = answer.json()
        return result


def add_category(city: Any, slug: str) -> None:
    city.db.write_sync(lambda s: categories.add_category(s, slug, slug.capitalize()))


async def follow_market(follower: Resident, market_city: Any) -> None:
    """`follower` follows the market Group of `market_city`, and waits for the Accept."""
    city = follower.city
    market = await city.city.fediverse.directory.lookup(f"@market@{market_city.settings.domain}")
    await act(city, lambda s: social.follow(s, city.city, follower.uri, market))

    async def accepted() -> bool:
        return await city.db.read(
            lambda s: (
                s.scalar(
                    select(Follow.id).where(
                        Follow.local_actor == follower.uri,
                        Follow.direction == Direction.outbound,
                        Follow.state == FollowState.accepted,
                    )
                )
                is not None
            )
        )

    await eventually(accepted)


async def remote_listing(city: Any, viewer: Resident, uri: str) -> dict[str, Any] | None:
    """The listing with this ActivityPub id as `viewer` finds it in their city's feed."""
    page = (await viewer.get("/listings", limit="100")).json()
    return next((item for item in page["listings"] if item["uri"] == uri), None)
