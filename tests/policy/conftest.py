"""A city in process (httpx over ASGI) with an admin, a moderator and a member,
and remote rows to purge."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from api.auth import issue_token
from exchange import members
from federation.keys import generate_rsa_pem
from instance.settings import Settings
from models import Direction, Follow, FollowState, Member, Note, RemoteActor, Role

WEB_CSRF = 'name="csrf_token" value="'


@functools.cache
def credentials() -> members.Credentials:
    return members.prepare_credentials("correct horse battery")


@functools.cache
def remote_pem() -> str:
    return generate_rsa_pem()[1]


class TestCity:
    """One city's app, its database, and the people in it."""

    __test__ = False

    def __init__(self, app: Any, settings: Settings, http: httpx.AsyncClient) -> None:
        self.app = app
        self.city = app.state.city
        self.db = self.city.db
        self.settings = settings
        self.http = http
        self.tokens: dict[str, str] = {}

    def member(self, name: str, role: Role = Role.member) -> Member:
        member = self.db.write_sync(lambda s: members.add_member(s, name, credentials(), role=role))
        self.tokens[name] = self.db.write_sync(lambda s: issue_token(s, name))
        return member

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    def get(self, name: str) -> Member:
        return self.db.read_sync(lambda s: members.get_member(s, name))

    def remote(
        self,
        uri: str,
        *,
        follows: str | None = None,
        followed_by: str | None = None,
        notes: int = 0,
    ) -> RemoteActor:
        """A remote account (as if fetched), optionally following or followed by our `alice`,
        with notes."""
        authority = uri.split("/")[2]
        name = uri.rsplit("/", 1)[1]

        def work(session: Any) -> RemoteActor:
            actor = RemoteActor(
                uri=uri,
                domain=authority,
                type="Person",
                preferred_username=name,
                inbox=f"{uri}/inbox",
                shared_inbox=f"https://{authority}/inbox",
                key_id=f"{uri}#main-key",
                public_key_pem=remote_pem(),
            )
            session.add(actor)
            session.flush()
            for local, direction in (
                (follows, Direction.inbound),
                (followed_by, Direction.outbound),
            ):
                if local is not None:
                    session.add(
                        Follow(
                            local_actor=self.city.urls.member(local),
                            remote_actor_id=actor.id,
                            direction=direction,
                            state=FollowState.accepted,
                            activity_uri=f"{uri}#follow-{direction.value}",
                        )
                    )
            for n in range(notes):
                session.add(
                    Note(
                        uri=f"{uri}/notes/{n}",
                        remote_actor_id=actor.id,
                        content=f"<p>note {n}</p>",
                        visibility="public",
                        to=[],
                        cc=[],
                    )
                )
            return actor

        return self.db.write_sync(work)

    async def login(self, name: str) -> None:
        token = await self.csrf("/login")
        answer = await self.http.post(
            "/login",
            data={"csrf_token": token, "username": name, "password": "correct horse battery"},
        )
        assert answer.status_code == 303, answer.text

    async def csrf(self, path: str) -> str:
        page = await self.http.get(path)
        start = page.text.index(WEB_CSRF) + len(WEB_CSRF)
        return page.text[start : page.text.index('"', start)]

    async def submit(self, page: str, form_action: str, **fields: str) -> httpx.Response:
        return await self.http.post(
            form_action, data={"csrf_token": await self.csrf(page), **fields}
        )


@pytest.fixture
def make_city(in_process_city: Callable[..., Any]) -> Callable[..., Any]:
    async def make(**sections: dict[str, Any]) -> TestCity:
        return TestCity(*in_process_city(**sections))

    return make


@pytest.fixture
async def town(make_city: Callable[..., Any]) -> TestCity:
    """mayor (admin), mod (moderator), alice and bob (members), each with a token."""
    city: TestCity = await make_city()
    city.member("mayor", Role.admin)
    city.member("mod", Role.moderator)
    city.member("alice")
    city.member("bob")
    return city
