"""Our link to the fediverse, built once per process: policy, directory, HTTP client, actors.

Lives on `City.fediverse`. The HTTP client is created lazily inside the running event loop
and closed by the app's lifespan.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from federation.client import FederationClient

from .actors import LocalActors, SigningKey
from .directory import Directory
from .policy import PolicyCache
from .version import VERSION

if TYPE_CHECKING:
    from .city import City


class Fediverse:
    def __init__(self, city: City) -> None:
        self.city = city
        settings = city.settings
        self.policy = PolicyCache(city.db, settings.federation.mode)
        self.actors = LocalActors(city.urls)
        self.own_authorities = frozenset({settings.domain, settings.host})
        self.user_agent = f"Comptoir/{VERSION} (+{settings.base_url}/)"
        self._instance_key: SigningKey | None = None

    @cached_property
    def client(self) -> FederationClient:
        federation = self.city.settings.federation
        loopback = federation.allow_loopback_http
        return FederationClient(
            user_agent=self.user_agent,
            allow_loopback=loopback,
            allow_http=loopback,
            deadline=float(federation.request_deadline_seconds),
            pool_clients=32,
            max_connections_per_client=4,
        )

    @property
    def instance_key(self) -> SigningKey:
        if self._instance_key is None:
            self._instance_key = self.city.db.read_sync(
                lambda s: self.actors.signing_key(s, self.city.urls.instance_actor)
            )
        return self._instance_key

    def warm(self) -> None:
        """Pay a process's first-use costs at start-up rather than in its first deliveries:
        the instance actor's private key parsed (RSA key loading checks the key: tens of ms)
        and the client's TLS context built. Blocking: run it in a thread."""
        self.instance_key  # noqa: B018 - loads and caches the parsed key
        self.client.warm()

    @cached_property
    def directory(self) -> Directory:
        return Directory(
            self.city.settings, self.city.db, self.client, self.policy, self.instance_key
        )

    async def aclose(self) -> None:
        if "client" in self.__dict__:
            await self.client.aclose()
