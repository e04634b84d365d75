"""Our own actors: members (Person), the instance actor (Application), the market (Group) and
the discussion spaces (one Group each, FEP-1b12).

Gives each local actor id its signing key, and makes sure the two service actors exist.
Keys never change while a process runs (rotation would restart it), so they are cached; the
cache keeps the most recently used LOCAL_KEY_CACHE_SIZE keys, so that a city of many members
does not hold every member's private key in every process.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from federation.keys import generate_rsa_pem, load_private_key
from models import DiscussionSpace, Member, MemberStatus, ServiceActor, SpaceState

from .urls import Urls

SERVICE_ACTORS = ("actor", "market")
#: the signing keys a process keeps loaded (least recently used dropped first)
LOCAL_KEY_CACHE_SIZE = 5_000


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    private_key: Any


@dataclass(frozen=True)
class LocalActorRef:
    """What an actor id of ours points at: a member's username, a service actor's name, or a
    discussion space's slug."""

    kind: str  # "member" | "service" | "group"
    name: str


def ensure_service_actors(session: Session) -> None:
    """Create the service actors that are missing; safe when processes start at the same moment.

    Every web and worker process runs this at start-up: two of them may both find a row
    missing, so the insert yields to the one that won (ON CONFLICT DO NOTHING on the unique
    name) instead of failing the second process's start.
    """
    existing = set(session.scalars(select(ServiceActor.name)))
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    for name in SERVICE_ACTORS:
        if name not in existing:
            private, public = generate_rsa_pem()
            row = {"name": name, "private_key_pem": private, "public_key_pem": public}
            session.execute(
                insert(ServiceActor).values(**row).on_conflict_do_nothing(index_elements=["name"])
            )


class LocalActors:
    def __init__(self, urls: Urls) -> None:
        self.urls = urls
        self._keys: OrderedDict[str, SigningKey] = OrderedDict()

    def parse(self, actor_id: str) -> LocalActorRef | None:
        if actor_id == self.urls.instance_actor:
            return LocalActorRef("service", "actor")
        if actor_id == self.urls.market:
            return LocalActorRef("service", "market")
        prefix = self.urls.member("")
        if (
            actor_id.startswith(prefix)
            and "/" not in actor_id[len(prefix) :]
            and len(actor_id) > len(prefix)
        ):
            return LocalActorRef("member", actor_id[len(prefix) :])
        groups = self.urls.discussion_space("")
        rest = actor_id[len(groups) :]
        if actor_id.startswith(groups) and rest and "/" not in rest:
            return LocalActorRef("group", rest)
        return None

    def cached_key(self, actor_id: str) -> SigningKey | None:
        return self._keys.get(actor_id)

    def signing_key(self, session: Session, actor_id: str) -> SigningKey:
        """The key that signs what `actor_id` sends; falls back to the instance actor's."""
        cached = self._keys.get(actor_id)
        if cached is not None:
            self._keys.move_to_end(actor_id)
            return cached
        ref = self.parse(actor_id)
        pem: str | None = None
        if ref is not None and ref.kind == "member":
            pem = session.scalar(select(Member.private_key_pem).where(Member.username == ref.name))
        elif ref is not None and ref.kind == "group":
            pem = session.scalar(
                select(DiscussionSpace.private_key_pem).where(DiscussionSpace.slug == ref.name)
            )
        elif ref is not None:
            pem = session.scalar(
                select(ServiceActor.private_key_pem).where(ServiceActor.name == ref.name)
            )
        if pem is None:
            if actor_id == self.urls.instance_actor:
                raise LookupError("the instance actor has no key: start-up did not create it")
            return self.signing_key(session, self.urls.instance_actor)
        key = SigningKey(self.urls.key_id(actor_id), load_private_key(pem))
        self._keys[actor_id] = key
        if len(self._keys) > LOCAL_KEY_CACHE_SIZE:
            self._keys.popitem(last=False)
        return key

    def exists(self, session: Session, actor_id: str) -> bool:
        """A local actor that can receive activities (an active member or a service actor)."""
        ref = self.parse(actor_id)
        if ref is None:
            return False
        if ref.kind == "service":
            return True
        if ref.kind == "group":
            state = session.scalar(
                select(DiscussionSpace.state).where(DiscussionSpace.slug == ref.name)
            )
            return state is not None and state is not SpaceState.archived
        status = session.scalar(select(Member.status).where(Member.username == ref.name))
        return status is MemberStatus.active
