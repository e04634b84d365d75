"""Actor documents: what we read of a remote actor (Person, Service, Group...), checked once.

`preferredUsername` is optional (ActivityPub; fediverse-pasture's actors go without): an
actor without one is named after the last segment of its id. An actor is trusted for what its
own server says about it: its inbox, shared inbox, key and profile page must be on the
actor's own host, or they are refused (inbox, key) or dropped (shared inbox, profile page).
The summary is kept as written; whoever shows or stores it sanitizes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from federation.authority import authority_of
from federation.authorship import same_origin
from federation.errors import FetchError
from federation.vocab import as_list, id_of

ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})


@dataclass(frozen=True)
class ActorDocument:
    """The facts of an actor document we keep (the `remote_actors` columns)."""

    uri: str
    domain: str
    type: str
    preferred_username: str
    name: str
    #: HTML as the actor wrote it, not sanitized
    summary: str
    url: str | None
    icon_url: str | None
    inbox: str
    shared_inbox: str | None
    outbox: str | None
    followers: str | None
    following: str | None
    key_id: str
    public_key_pem: str
    manually_approves_followers: bool
    #: the Comptoir facts a city's instance actor publishes (`currency`, `comptoir`)
    extra: dict[str, Any]


def _public_key(document: dict[str, Any], actor_id: str) -> dict[str, Any]:
    for key in as_list(document.get("publicKey")):
        if (
            isinstance(key, dict)
            and key.get("owner", actor_id) == actor_id
            and isinstance(key.get("publicKeyPem"), str)
        ):
            if isinstance(key.get("id"), str):
                return key
    raise FetchError(f"actor {actor_id} publishes no usable publicKey")


def _string(value: Any, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _url(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("href") or value.get("url")
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) else None


def _featured(document: dict[str, Any], actor_id: str) -> str | None:
    """The actor's `featured` collection (its pinned posts), kept only on its own host: a
    collection elsewhere could list anyone's posts as this actor's pins."""
    featured = id_of(document.get("featured"))
    return featured if featured and same_origin(featured, actor_id) else None


def _featured_tags(document: dict[str, Any], actor_id: str) -> str | None:
    """The actor's `featuredTags` collection (the hashtags it shows on its profile), kept
    only on its own host, as `featured`."""
    url = id_of(document.get("featuredTags"))
    return url if url and same_origin(url, actor_id) else None


def fallback_username(actor_id: str) -> str:
    """A name for an actor that publishes no `preferredUsername` (ActivityPub makes it
    optional): the last segment of its id's path, else its host. Only shown in its handle;
    a WebFinger lookup still needs the actor to name itself."""
    path = urlsplit(actor_id).path.rstrip("/")
    segment = unquote(path.rpartition("/")[2]).strip()
    return segment or authority_of(actor_id)


def parse_actor_document(document: dict[str, Any]) -> ActorDocument:
    """Check an actor document and keep what we use. Raises FetchError when unusable."""
    actor_id = document.get("id")
    if not isinstance(actor_id, str):
        raise FetchError("actor document has no id")
    kinds = set(as_list(document.get("type")))
    if not kinds & ACTOR_TYPES:
        raise FetchError(f"{actor_id} is a {document.get('type')!r}, not an actor")
    username = document.get("preferredUsername")
    if not isinstance(username, str) or not username.strip():
        username = fallback_username(actor_id)
    inbox = document.get("inbox")
    if not isinstance(inbox, str) or not same_origin(inbox, actor_id):
        raise FetchError(f"actor {actor_id} has no inbox on its own host")
    key = _public_key(document, actor_id)
    if not same_origin(key["id"], actor_id):
        raise FetchError(f"actor {actor_id} publishes a key of another host")
    endpoints: Any = (
        document.get("endpoints") if isinstance(document.get("endpoints"), dict) else {}
    )
    shared = endpoints.get("sharedInbox") or document.get("sharedInbox")
    profile = _url(document.get("url"))
    return ActorDocument(
        uri=actor_id,
        domain=authority_of(actor_id),
        type=next(iter(kinds & ACTOR_TYPES)),
        preferred_username=username[:200],
        name=_string(document.get("name"), 500),
        summary=_string(document.get("summary"), 20_000),
        url=profile if profile and same_origin(profile, actor_id) else None,
        icon_url=_url(document.get("icon")),
        inbox=inbox,
        shared_inbox=shared if isinstance(shared, str) and same_origin(shared, actor_id) else None,
        outbox=id_of(document.get("outbox")),
        followers=id_of(document.get("followers")),
        following=id_of(document.get("following")),
        key_id=key["id"],
        public_key_pem=key["publicKeyPem"],
        manually_approves_followers=bool(document.get("manuallyApprovesFollowers", False)),
        extra={
            **{
                k: document[k]
                for k in ("currency", "comptoir", "settlementBatches")
                if k in document
            },
            **({"fields": fields} if (fields := _property_values(document)) else {}),
            **({"header": header} if (header := _url(document.get("image"))) else {}),
            **({"featured": featured} if (featured := _featured(document, actor_id)) else {}),
            **({"featuredTags": tags} if (tags := _featured_tags(document, actor_id)) else {}),
        },
    )


#: profile fields kept of another server's actor (Mastodon shows four, some servers more)
MAX_FIELDS = 16


def _property_values(document: dict[str, Any]) -> list[dict[str, str]]:
    """The actor's profile fields: its `PropertyValue` attachments' names and values (HTML,
    as the actor wrote it: sanitized when stored)."""
    found = []
    for item in as_list(document.get("attachment")):
        if (
            isinstance(item, dict)
            and item.get("type") == "PropertyValue"
            and isinstance(item.get("name"), str)
            and isinstance(item.get("value"), str)
        ):
            found.append({"name": item["name"][:255], "value": item["value"][:2048]})
    return found[:MAX_FIELDS]
