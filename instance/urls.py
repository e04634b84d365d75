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

    def discussion_space(self, slug: str) -> str:
        """A discussion space: its Group actor to servers, its page to browsers."""
        return f"{self.base}/discussions/{slug}"

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

    def featured(self, actor_id: str) -> str:
        """A member's pinned statuses, at Mastodon's path for them."""
        return f"{actor_id}/collections/featured"

    def featured_tags(self, actor_id: str) -> str:
        """A member's featured hashtags, at Mastodon's path for them."""
        return f"{actor_id}/collections/tags"

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

    def discussion_thread(self, public_id: str) -> str:
        """A thread's Page (and its page): not under its space, so a move keeps the id."""
        return f"{self.base}/threads/{public_id}"

    def poll(self, public_id: str) -> str:
        """A poll's Question (and, to browsers, its space's page)."""
        return f"{self.base}/polls/{public_id}"

    def discussion_post(self, public_id: str) -> str:
        return f"{self.base}/posts/{public_id}"

    def listing(self, public_id: str) -> str:
        return f"{self.base}/listings/{public_id}"

    def project(self, slug: str) -> str:
        return f"{self.base}/projects/{slug}"

    def listing_activity(self, public_id: str, suffix: str) -> str:
        """Ids of a listing's activities: /activity (Create), /announce, /delete, /updates/{id}."""
        return f"{self.listing(public_id)}/{suffix}"

    @property
    def listings_page(self) -> str:
        return f"{self.base}/listings"

    def category(self, slug: str) -> str:
        return f"{self.base}/categories/{slug}"

    @property
    def currency(self) -> str:
        """What a listing's reciprocal intent conforms to: this city's currency."""
        return f"{self.base}/currency"

    def negotiation(self, public_id: str) -> str:
        """A negotiation's page here, and the `context` of the threads this city opens."""
        return f"{self.base}/negotiations/{public_id}"

    def offer(self, public_id: str) -> str:
        return f"{self.base}/offers/{public_id}"

    def offer_activity(self, public_id: str, kind: str) -> str:
        """Ids of the answers to an offer made here: /accept, /reject, /undo."""
        return f"{self.offer(public_id)}/{kind}"

    def agreement(self, public_id: str) -> str:
        return f"{self.base}/agreements/{public_id}"

    def settlement(self, public_id: str) -> str:
        """A settlement's object (at the payer's city, the decision record) and its page."""
        return f"{self.base}/settlements/{public_id}"

    def exchange_rule(self, public_id: str) -> str:
        """An exchange rule version proposed by this city (its id in both cities)."""
        return f"{self.base}/partners/rules/{public_id}"

    def rule_activity(self, public_id: str, kind: str) -> str:
        """Ids of the activities about a rule version: /offer (the proposal), /accept,
        /reject, /suspend-{n}, /resume-{n}, sent by this city."""
        return f"{self.exchange_rule(public_id)}/{kind}"

    def message(self, public_id: str) -> str:
        return f"{self.base}/messages/{public_id}"

    def tag(self, name: str) -> str:
        return f"{self.base}/tags/{name}"

    def media(self, name: str) -> str:
        return f"{self.base}/media/{name}"

    @property
    def context(self) -> str:
        return f"{self.base}/ns/comptoir"

    def is_local(self, url: str) -> bool:
        return (
            url == self.base or url.startswith(self.base + "/") or url.startswith(self.base + "#")
        )
