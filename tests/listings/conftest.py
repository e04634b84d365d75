"""A city's market through its JSON API, in process (httpx over ASGI), with members and tokens.

`market(listing_review=...)` makes a city; its `Market` client posts as a named member, counts
the rows a refusal must not leave behind, and makes real photos (PNG, JPEG with GPS EXIF).
"""

from __future__ import annotations

import base64
import functools
import io
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select

from api.auth import issue_token
from exchange import categories, members
from instance.settings import Settings
from models import (
    Agreement,
    Job,
    Listing,
    MemberStatus,
    ModerationEntry,
    Negotiation,
    NegotiationMessage,
    Notification,
    Offer,
    OutboundActivity,
    Role,
)

API = "/api/comptoir/v1"


@functools.cache
def credentials() -> members.Credentials:
    return members.prepare_credentials("correct horse battery")


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (40, 30), *, gps: bool = False) -> bytes:
    """A real image; with `gps`, a JPEG carrying an EXIF GPS position (as phones write them)."""
    picture = Image.new("RGB", size, (200, 120, 40))
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        gps_ifd = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
        exif[0x8825] = gps_ifd
        exif[0x010F] = "PhoneMaker"
        picture.save(out, format="JPEG", exif=exif)
    else:
        picture.save(out, format=kind)
    return out.getvalue()


def photo_body(data: bytes, alt: str = "An orange square") -> dict[str, str]:
    return {"alt": alt, "data": base64.b64encode(data).decode()}


class Market:
    def __init__(self, app: Any, settings: Settings, http: httpx.AsyncClient) -> None:
        self.app = app
        self.settings = settings
        self.http = http
        self.city = app.state.city
        self.db = self.city.db
        self.tokens: dict[str, str] = {}

    def member(
        self, name: str, *, role: Role = Role.member, status: MemberStatus = MemberStatus.active
    ) -> str:
        self.db.write_sync(
            lambda s: members.add_member(s, name, credentials(), role=role, status=status)
        )
        self.tokens[name] = self.db.write_sync(lambda s: issue_token(s, name))
        return self.tokens[name]

    def category(self, slug: str, name: str | None = None) -> None:
        self.db.write_sync(lambda s: categories.add_category(s, slug, name or slug.capitalize()))

    def auth(self, name: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"} if name else {}

    async def get(self, path: str, as_: str | None = None, **params: str) -> httpx.Response:
        return await self.http.get(API + path, params=params, headers=self.auth(as_))

    async def post(self, path: str, body: Any = None, as_: str | None = None) -> httpx.Response:
        if body is None:
            return await self.http.post(API + path, headers=self.auth(as_))
        return await self.http.post(API + path, json=body, headers=self.auth(as_))

    async def patch(self, path: str, body: Any, as_: str | None = None) -> httpx.Response:
        return await self.http.patch(API + path, json=body, headers=self.auth(as_))

    async def listing(self, as_: str = "alice", **fields: Any) -> dict[str, Any]:
        """Post a listing and return it (asserting it was accepted)."""
        body = {
            "purpose": "offer",
            "title": "Bike repair, one hour",
            "description": "I fix bikes.",
            "price": "3.00",
            "place": "Quartier Nord",
            **fields,
        }
        answer = await self.post("/listings", body, as_=as_)
        assert answer.status_code == 201, answer.text
        result: dict[str, Any] = answer.json()
        return result

    def rows(self) -> dict[str, int]:
        """How many rows each market table holds, and how many media files exist."""
        tables = {
            "listings": Listing,
            "negotiations": Negotiation,
            "offers": Offer,
            "agreements": Agreement,
            "messages": NegotiationMessage,
            "notifications": Notification,
            "outbound": OutboundActivity,
            "jobs": Job,
            "moderation_log": ModerationEntry,
        }

        def count(session: Any) -> dict[str, int]:
            return {
                name: session.scalar(select(func.count()).select_from(table)) or 0
                for name, table in tables.items()
            }

        counts = self.db.read_sync(count)
        media = self.settings.data_dir / "media"
        counts["media_files"] = len(list(media.iterdir())) if media.exists() else 0
        return counts


@pytest.fixture
def market(in_process_city: Callable[..., Any]) -> Callable[..., Any]:
    """Make a city (keyword sections override its config) and a client of its market API."""

    async def make(**sections: dict[str, Any]) -> Market:
        return Market(*in_process_city(**sections))

    return make


async def _peopled(market: Callable[..., Any], review: str, *, admin: bool) -> Market:
    client: Market = await market(moderation={"listing_review": review})
    for name in ("alice", "bob"):
        client.member(name)
    client.member("mod", role=Role.moderator)
    if admin:
        client.member("mayor", role=Role.admin)
    client.category("velo", "Bikes")
    return client


@pytest.fixture
async def city(market: Callable[..., Any]) -> Market:
    """Review after publication; alice and bob (members), mod (moderator), mayor (admin);
    category velo."""
    return await _peopled(market, "after", admin=True)


@pytest.fixture
async def reviewed(market: Callable[..., Any]) -> Market:
    """The same city under review before publication (and no admin)."""
    return await _peopled(market, "before", admin=False)
