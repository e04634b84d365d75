"""The remote directory: the one place that fetches remote actors, keys and objects.

Every fetch is checked against the federation policy first (a blocked or non-allowed domain
is never contacted), signed with the instance actor's key, and goes through the
SSRF-guarded `FederationClient`. Actors are cached in `remote_actors`; public keys also in
memory, since they are asked for on every inbound request. A cached key is refreshed when
it is older than `max_age` or when a signature fails with it (key rotation), but a key
document is fetched at most once per KEY_FETCH_INTERVAL: otherwise every forged signature
would cost a signed GET and a database write (a reflector anyone could drive).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.actor_document import ActorDocument, parse_actor_document
from federation.authority import authority_of, split_authority
from federation.authorship import authored_by, same_origin
from federation.client import FederationClient
from federation.errors import FetchError, SignatureError
from federation.featured_collection import first_page, hashtag_names, page_items
from federation.httpsig import PublicKeyInfo
from federation.webfinger import actor_url_from_jrd, parse_handle, webfinger_url
from models import RemoteActor, utcnow

from . import queue
from .actors import SigningKey
from .database import Database
from .html import plain_name, sanitize_html
from .policy import PolicyCache
from .settings import Settings, is_loopback_host

#: refetch a cached actor after this long, at its next use
ACTOR_MAX_AGE = timedelta(days=1)
KEY_CACHE_SIZE = 20_000
#: seconds between two fetches of one key document (the actor's, or a key document)
KEY_FETCH_INTERVAL = 60.0
#: the job that reads an actor's `featured` collection (its pins) and `featuredTags` after
#: the actor is stored
FEATURED_JOB = "actor.featured"
#: where an actor's extra keeps the names its `featuredTags` listed, when last read
FEATURED_TAG_NAMES = "featured_tag_names"


class Refused(FetchError):
    """The federation policy forbids contacting this domain."""


class Directory:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        client: FederationClient,
        policy: PolicyCache,
        signer: SigningKey,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.db = db
        self.client = client
        self.policy = policy
        self.signer = signer
        self.clock = clock
        self._keys: OrderedDict[str, tuple[PublicKeyInfo, float]] = OrderedDict()
        self._key_fetched_at: OrderedDict[str, float] = OrderedDict()
        #: key documents being fetched now, by URL: concurrent requests await the same fetch
        self._key_fetches: dict[str, asyncio.Future[RemoteActor]] = {}

    # ------------------------------------------------------------------ fetching

    def scheme_for(self, authority: str) -> str:
        """https, except plain http to loopback peers when the test switch allows it."""
        host, _ = split_authority(authority)
        return (
            "http"
            if self.settings.federation.allow_loopback_http and is_loopback_host(host)
            else "https"
        )

    async def _check_policy(self, url: str) -> None:
        verdict = (await self.policy.current()).verdict(url)
        if not verdict.allowed:
            raise Refused(f"not fetching {url}: {verdict.reason}")

    async def fetch(self, url: str) -> dict[str, Any]:
        """A remote ActivityPub document, fetched with a signed GET; its id must be `url`."""
        await self._check_policy(url)
        document, _final = await self.client.get_json(
            url, sign_as=(self.signer.key_id, self.signer.private_key)
        )
        if document.get("id") != url:
            raise FetchError(f"{url} answered a document whose id is {document.get('id')!r}")
        return document

    # ------------------------------------------------------------------ actors

    async def actor(self, uri: str, *, refresh: bool = False) -> RemoteActor:
        """The remote actor with this id, from the cache when fresh, else fetched and stored.

        Refused (even from the cache) when the policy refuses its domain or it is suspended here.
        """
        policy = await self.policy.current()
        if policy.actor_suspended(uri):
            raise Refused(f"not using {uri}: the account is suspended here")
        await self._check_policy(uri)
        if not refresh:
            cached = await self.db.read(
                lambda s: s.scalar(select(RemoteActor).where(RemoteActor.uri == uri))
            )
            if cached is not None and (
                cached.deleted_at or utcnow() - cached.fetched_at < ACTOR_MAX_AGE
            ):
                return cached
        document = await self.fetch(uri)
        facts = parse_actor_document(document)
        if policy.verdict(uri).reject_media:
            facts = replace(facts, icon_url=None)
        actor = await self.db.write(lambda s: store_actor(s, facts))
        self._remember_key(actor)
        return actor

    async def lookup(self, handle_or_url: str) -> RemoteActor:
        """An actor by `@name@host` (WebFinger) or by its URL."""
        text = handle_or_url.strip()
        if text.startswith(("http://", "https://")):
            return await self.actor(text)
        user, host = parse_handle(text)
        await self._check_policy(host)
        resource = f"acct:{user}@{host}"
        jrd, _ = await self.client.get_json(
            webfinger_url(host, resource, self.scheme_for(host)),
            accept="application/jrd+json, application/json",
        )
        actor_url = actor_url_from_jrd(jrd)
        if actor_url is None:
            raise FetchError(f"WebFinger for {resource} has no ActivityPub actor link")
        actor = await self.actor(actor_url)
        if actor.preferred_username.lower() != user.lower() or actor.domain != host.lower():
            raise FetchError(
                f"WebFinger for {resource} points at {actor_url}, which is {actor.handle}"
            )
        return actor

    # ------------------------------------------------------------------ pins

    async def featured(self, actor: RemoteActor) -> list[dict[str, Any]]:
        """The posts the actor pinned, newest pin first, as its `featured` collection lists
        them: its own items or those of its first page (a link followed only on the
        actor's host), at most `featured_collection.MAX_ITEMS`, each embedded or fetched by
        its id, and only the objects of the actor's host attributed to the actor."""
        items = await self._collection_items(actor, "featured")
        found: list[dict[str, Any]] = []
        for item in items:
            obj = await self.authored_object(item, actor.uri)
            if obj is not None:
                found.append(obj)
        return found

    async def featured_tags(self, actor: RemoteActor) -> list[str]:
        """The hashtags the actor's profile shows, as its `featuredTags` collection lists
        them (its own items or its first page's, on the actor's host), without `#`."""
        return hashtag_names(await self._collection_items(actor, "featuredTags"))

    async def _collection_items(self, actor: RemoteActor, name: str) -> list[Any]:
        """The items of the actor's collection kept under `name` in its extra (on its own
        host): the collection's own, else its first page's (a link followed only on the
        actor's host), at most `featured_collection.MAX_ITEMS`; none without one."""
        url = actor.extra.get(name)
        if not isinstance(url, str) or not same_origin(url, actor.uri):
            return []
        collection = await self.fetch(url)
        items = page_items(collection)
        if items is None:
            first = first_page(collection)
            if isinstance(first, str) and same_origin(first, actor.uri):
                first = await self.fetch(first)
            items = page_items(first) or []
        return items

    async def authored_object(self, item: Any, author: str) -> dict[str, Any] | None:
        """An object by `author`: as embedded (its id on the author's host, attributed to
        the author), or fetched by its id on the author's host; None otherwise, or when it
        cannot be fetched."""
        if isinstance(item, str) and same_origin(item, author):
            try:
                item = await self.fetch(item)
            except FetchError:
                return None
        return item if isinstance(item, dict) and authored_by(item, author) else None

    # ------------------------------------------------------------------ keys

    def _remember_key(self, actor: RemoteActor) -> None:
        info = PublicKeyInfo(key_id=actor.key_id, owner=actor.uri, pem=actor.public_key_pem)
        self._keys[actor.key_id] = (info, self.clock())
        self._keys.move_to_end(actor.key_id)
        while len(self._keys) > KEY_CACHE_SIZE:
            self._keys.popitem(last=False)

    def _may_fetch_key(self, key_id: str) -> bool:
        """Whether the key document was not fetched in the last KEY_FETCH_INTERVAL; if so, the
        fetch about to happen is recorded now (before it awaits, so concurrent requests see it)."""
        url, now = key_id.split("#", 1)[0], self.clock()
        last = self._key_fetched_at.get(url)
        if last is not None and now - last < KEY_FETCH_INTERVAL:
            return False
        self._key_fetched_at[url] = now
        self._key_fetched_at.move_to_end(url)
        while len(self._key_fetched_at) > KEY_CACHE_SIZE:
            self._key_fetched_at.popitem(last=False)
        return True

    async def key(self, key_id: str, refresh: bool) -> PublicKeyInfo:
        """The `KeyLookup` given to signature verification.

        A refresh (the cached key did not verify) within KEY_FETCH_INTERVAL of the last fetch
        answers the cached key again, so the signature simply fails.
        """
        cached = self._keys.get(key_id)
        if not refresh:
            if cached is not None and self.clock() - cached[1] < ACTOR_MAX_AGE.total_seconds():
                return cached[0]
            actor = await self.db.read(
                lambda s: s.scalar(select(RemoteActor).where(RemoteActor.key_id == key_id))
            )
            if (
                actor is not None
                and actor.deleted_at is None
                and utcnow() - actor.fetched_at < ACTOR_MAX_AGE
            ):
                self._remember_key(actor)
                return self._keys[key_id][0]
        url = key_id.split("#", 1)[0]
        in_flight = self._key_fetches.get(url)
        if in_flight is None:
            if not self._may_fetch_key(key_id):
                if refresh and cached is not None:
                    return cached[0]
                raise SignatureError(
                    f"key {key_id} was fetched less than {KEY_FETCH_INTERVAL:.0f} s ago"
                )
            # Requests signed with the same new key at the same moment share one fetch.
            in_flight = asyncio.ensure_future(self._fetch_key_owner(key_id))
            self._key_fetches[url] = in_flight
            in_flight.add_done_callback(lambda _: self._key_fetches.pop(url, None))
        try:
            actor = await asyncio.shield(in_flight)
        except FetchError as exc:
            raise SignatureError(f"could not fetch key {key_id}: {exc}") from None
        if actor.key_id != key_id:
            raise SignatureError(f"{actor.uri} does not publish key {key_id}")
        return self._keys[key_id][0]

    async def _fetch_key_owner(self, key_id: str) -> RemoteActor:
        url = key_id.split("#", 1)[0]
        document = await self.fetch(url)
        if document.get("inbox"):  # the key id points into an actor document (Mastodon)
            facts = parse_actor_document(document)
        else:  # a key document naming its owner (GoToSocial): the owner must publish the key
            owner = document.get("owner")
            if not isinstance(owner, str) or not same_origin(owner, key_id):
                raise FetchError(f"key {key_id} names no owner on its own host")
            facts = parse_actor_document(await self.fetch(owner))
        actor = await self.db.write(lambda s: store_actor(s, facts))
        self._remember_key(actor)
        return actor

    def forget_domain(self, authority: str) -> None:
        """Drop cached keys of a domain (after a block, or an admin's key expiry)."""
        for key_id in [k for k in self._keys if authority_of(k) == authority]:
            del self._keys[key_id]


# ---------------------------------------------------------------------- storing


def store_actor(session: Session, document: ActorDocument) -> RemoteActor:
    """Insert or refresh the actor. Raises FetchError if another actor already claims its key.
    An actor with a `featured` or `featuredTags` collection has it read by the
    `actor.featured` job (services/remote_pin_jobs.py), so fetching an actor waits on no
    more requests."""
    values = asdict(document)
    values["summary"] = sanitize_html(document.summary)
    if "fields" in document.extra:  # profile fields' values are HTML too
        values["extra"] = {
            **document.extra,
            "fields": [
                {"name": plain_name(f["name"]), "value": sanitize_html(f["value"])}
                for f in document.extra["fields"]
            ],
        }
    holder = session.scalar(select(RemoteActor.uri).where(RemoteActor.key_id == values["key_id"]))
    if holder is not None and holder != values["uri"]:
        raise FetchError(f"key {values['key_id']} is already the key of {holder}")
    actor = session.scalar(select(RemoteActor).where(RemoteActor.uri == values["uri"]))
    if actor is None:
        actor = RemoteActor(**values)
        session.add(actor)
    else:
        shown = actor.extra.get(FEATURED_TAG_NAMES)
        if shown is not None and "featuredTags" in values["extra"]:  # kept until read again
            values["extra"] = {**values["extra"], FEATURED_TAG_NAMES: shown}
        for name, value in values.items():
            setattr(actor, name, value)
        actor.deleted_at = None
    actor.fetched_at = utcnow()
    session.flush()
    if "featured" in document.extra or "featuredTags" in document.extra:
        # its pins and featured hashtags are read again, after this commit
        queue.enqueue(
            session, FEATURED_JOB, {"actor": actor.uri}, key=f"{FEATURED_JOB}:{actor.uri}"
        )
    return actor
