"""A city for the Mastodon client API tests: members with tokens of any scopes, remote
accounts, their notes and listings, and follows, written as the inbox would write them."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import issue_token
from exchange import members
from federation.keys import generate_rsa_pem
from models import (
    Direction,
    Follow,
    FollowState,
    Listing,
    ListingState,
    Member,
    Note,
    Purpose,
    RemoteActor,
    new_public_id,
    utcnow,
)

from ..ledger.conftest import credentials
from ..oauth.conftest import PASSWORD

PEM = generate_rsa_pem()[1]
ELSEWHERE = "town.example"


class Masto:
    """One city's Mastodon API as an app would call it."""

    def __init__(self, app: Any, http: httpx.AsyncClient) -> None:
        self.app = app
        self.http = http
        self.city = app.state.city
        self.db = self.city.db
        self.tokens: dict[str, str] = {}

    # ------------------------------------------------------------------ people

    def member(self, name: str) -> str:
        """A member and a token of theirs with every scope."""
        self.db.write_sync(lambda s: members.add_member(s, name, credentials()))
        self.tokens[name] = self.db.write_sync(lambda s: issue_token(s, name))
        return self.tokens[name]

    async def scoped_token(self, name: str, scope: str) -> str:
        """A token of `name` from an app's password grant, with exactly `scope`."""
        app = (
            await self.http.post(
                "/api/v1/apps",
                data={
                    "client_name": "scoped",
                    "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                    "scopes": scope,
                },
            )
        ).json()
        answer = await self.http.post(
            "/oauth/token",
            data={
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
                "grant_type": "password",
                "username": name,
                "password": PASSWORD,
                "scope": scope,
            },
        )
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["access_token"]
        return token

    def member_id(self, name: str) -> int:
        return self.db.read_sync(
            lambda s: s.scalar(select(Member.id).where(Member.username == name))
        )

    def account_id(self, name: str) -> str:
        return str(2 * self.member_id(name))

    def remote(self, username: str, domain: str = ELSEWHERE, kind: str = "Person") -> int:
        """A remote account we know; returns its row id."""
        uri = f"https://{domain}/users/{username}"

        def work(session: Session) -> int:
            actor = RemoteActor(
                uri=uri,
                domain=domain,
                type=kind,
                preferred_username=username,
                name=username.title(),
                inbox=f"{uri}/inbox",
                key_id=f"{uri}#main-key",
                public_key_pem=PEM,
            )
            session.add(actor)
            session.flush()
            return actor.id

        return self.db.write_sync(work)

    def follows(self, name: str, actor_id: int, direction: Direction = Direction.outbound) -> None:
        """An accepted follow between a member and a remote account."""
        self.db.write_sync(
            lambda s: s.add(
                Follow(
                    local_actor=self.city.urls.member(name),
                    remote_actor_id=actor_id,
                    direction=direction,
                    state=FollowState.accepted,
                    activity_uri=f"https://{ELSEWHERE}/follows/{new_public_id()}",
                )
            )
        )

    # ------------------------------------------------------------------ things said

    def remote_note(
        self,
        actor_id: int,
        text: str,
        visibility: str = "public",
        in_reply_to: str | None = None,
        to: list[str] | None = None,
    ) -> str:
        """A note a remote account posted, stored as the inbox stores it; returns its URI."""
        uri = f"https://{ELSEWHERE}/notes/{new_public_id()}"
        self.db.write_sync(
            lambda s: s.add(
                Note(
                    uri=uri,
                    remote_actor_id=actor_id,
                    content=f"<p>{text}</p>",
                    visibility=visibility,
                    to=to or [],
                    in_reply_to=in_reply_to,
                )
            )
        )
        return uri

    def remote_listing(self, actor_id: int, title: str, category: str | None = None) -> str:
        uri = f"https://{ELSEWHERE}/listings/{new_public_id()}"
        self.db.write_sync(
            lambda s: s.add(
                Listing(
                    public_id=new_public_id(),
                    uri=uri,
                    remote_actor_id=actor_id,
                    origin=ELSEWHERE,
                    purpose=Purpose.offer,
                    title=title,
                    description="From the other town.",
                    category=category,
                    price=500,
                    currency="TWN",
                    state=ListingState.published,
                    listed_at=utcnow(),
                    photos=[
                        {"url": f"https://{ELSEWHERE}/p.jpg", "mediaType": "image/jpeg", "alt": "a"}
                    ],
                )
            )
        )
        return uri

    # ------------------------------------------------------------------ HTTP

    def auth(self, who: str) -> dict[str, str]:
        token = self.tokens.get(who, who)
        return {"Authorization": f"Bearer {token}"}

    async def get(self, path: str, as_: str | None = None, **params: Any) -> httpx.Response:
        headers = self.auth(as_) if as_ else {}
        return await self.http.get(path, params=params, headers=headers)

    async def post(self, path: str, as_: str | None = None, **fields: Any) -> httpx.Response:
        headers = self.auth(as_) if as_ else {}
        return await self.http.post(path, json=fields, headers=headers)

    async def status(self, as_: str, text: str, **fields: Any) -> dict[str, Any]:
        answer = await self.post("/api/v1/statuses", as_, status=text, **fields)
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    async def listing(self, as_: str, **fields: Any) -> dict[str, Any]:
        """A listing posted through the Comptoir API (a published status)."""
        body = {
            "purpose": "offer",
            "title": "Bike repair, one hour",
            "description": "I fix bikes.",
            "price": "3.00",
            "place": "Quartier Nord",
            **fields,
        }
        answer = await self.http.post(
            "/api/comptoir/v1/listings", json=body, headers=self.auth(as_)
        )
        assert answer.status_code == 201, answer.text
        found: dict[str, Any] = answer.json()
        return found
