"""The one place our own URLs and ActivityPub ids are built."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Urls:
    base: str  # e.g. https://city.example, no trailing slash

    # actors
    @property
    def instance_actor(self) -> str:
        return f"{self.base}/actor"

    @property
    def market(self) -> str:
        return f"{self.base}/market"

    def member(self, username: str) -> str:
        return f"{self.base}/users/{username}"

    def key_id(self, actor_id: str) -> str:
        return f"{actor_id}#main-key"

    def inbox(self, actor_id: str) -> str:
        return f"{actor_id}/inbox"

    def outbox(self, actor_id: str) -> str:
        return f"{actor_id}/outbox"

    def followers(self, actor_id: str) -> str:
        return f"{actor_id}/followers"

    def following(self, actor_id: str) -> str:
        return f"{actor_id}/following"

    @property
    def shared_inbox(self) -> str:
        return f"{self.base}/inbox"

    def profile_page(self, username: str) -> str:
        return f"{self.base}/@{username}"

    # objects
    def activity(self, public_id: str) -> str:
        return f"{self.base}/activities/{public_id}"

    def note(self, public_id: str) -> str:
        return f"{self.base}/notes/{public_id}"

    def listing(self, public_id: str) -> str:
        return f"{self.base}/listings/{public_id}"

    def tag(self, name: str) -> str:
        return f"{self.base}/tags/{name}"

    def media(self, name: str) -> str:
        return f"{self.base}/media/{name}"

    @property
    def context(self) -> str:
        return f"{self.base}/ns/comptoir"

    def is_local(self, url: str) -> bool:
        return url == self.base or url.startswith(self.base + "/") or url.startswith(self.base + "#")
