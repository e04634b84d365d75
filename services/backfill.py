"""Following shows what the market already has: the backfill of a follow just accepted.

A member of ours follows a remote market (or member); until now they saw only what was
published after the Accept. When the Accept arrives (services.social.follow_accepted) a job
`follow.backfill` is queued; it reads the followed actor's outbox, newest first (at most
MAX_PAGES pages), picks the listings named there (Create or Update of a listing, a market's
Announce; a Delete seen first hides older mentions), and stores up to MAX_LISTINGS live ones.

Each listing is fetched from its own city, never trusted from the outbox: an ended one
answers 410 and is skipped, and what is stored is what the city serves now. Every request
goes through the directory: the federation policy first (a refused domain is never
contacted), the SSRF guard (private addresses refused unless the test switch allows
loopback), signed GETs, and the listing must be on the followed actor's host. The store is
the inbox's (exchange.remote_listings.store): a listing we already hold, or a tombstone,
changes nothing.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange import listings, remote_listings
from federation.authorship import same_origin
from federation.errors import FetchError
from federation.inbound_listing import parse_listing
from federation.vocab import as_list, id_of
from instance import queue
from instance.directory import Refused
from models import Follow, FollowState, Job, Note, RemoteActor, utcnow

from .origins import currency_of

if TYPE_CHECKING:
    from instance.city import City
    from instance.jobs import JobHandler

log = logging.getLogger("comptoir.backfill")

FOLLOW_BACKFILL = "follow.backfill"
#: the newest live listings a follow brings at most
MAX_LISTINGS = 50
#: outbox pages read at most (20 items each on a Comptoir city)
MAX_PAGES = 10


def schedule(session: Session, follow: Follow) -> None:
    """Queue the backfill of a follow that was just accepted (once per follow)."""
    queue.enqueue(
        session,
        FOLLOW_BACKFILL,
        {"follow": follow.id},
        key=f"{FOLLOW_BACKFILL}:{follow.id}",
        max_attempts=5,
    )


def _listing_mentioned(item: Any) -> tuple[str | None, bool]:
    """(listing id, whether the item says it is gone) for one outbox item."""
    if not isinstance(item, dict):
        return None, False
    kind, obj = item.get("type"), item.get("object")
    if kind == "Delete":
        return id_of(obj), True
    if kind in ("Create", "Update") and isinstance(obj, dict) and "purpose" in obj:
        return id_of(obj), False
    if kind == "Announce":
        return id_of(obj), False
    return None, False


async def listing_ids(city: City, actor: RemoteActor) -> list[str]:
    """The listings the actor's outbox names, newest first, those deleted since left out."""
    if actor.outbox is None:
        return []
    directory = city.fediverse.directory
    collection = await directory.fetch(actor.outbox)
    first = collection.get("first")
    page: dict[str, Any] | None
    if isinstance(first, dict):
        page = first
    elif isinstance(first, str):
        page = await directory.fetch(first)
    else:
        page = collection
    found: list[str] = []
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        if page is None:
            break
        for item in as_list(page.get("orderedItems") or page.get("items")):
            uri, gone = _listing_mentioned(item)
            if uri is None or uri in seen or not same_origin(uri, actor.uri):
                continue
            seen.add(uri)
            if not gone:
                found.append(uri)
        if len(found) >= 2 * MAX_LISTINGS:
            break
        following = page.get("next")
        page = await directory.fetch(following) if isinstance(following, str) else None
    return found


async def _store_one(city: City, uri: str) -> bool:
    """Fetch one listing from its city and keep it; False when it is gone or not a listing."""
    directory = city.fediverse.directory

    def known(session: Session) -> bool:
        return (
            listings.by_uri(session, uri) is not None
            or session.scalar(select(Note.id).where(Note.uri == uri)) is not None
        )

    if await city.db.read(known):
        return False
    try:
        document = await directory.fetch(uri)
    except Refused:
        raise  # the policy changed meanwhile: the whole backfill stops
    except FetchError as exc:
        log.info("backfill: %s not kept: %s", uri, exc)
        return False
    listing = parse_listing(document)
    author_uri = listing.note.attributed_to if listing is not None else None
    if listing is None or author_uri is None or not same_origin(author_uri, uri):
        return False
    if listing.end_time is not None and listing.end_time <= utcnow():
        return False
    currency = await currency_of(city, uri)
    if currency is None:
        return False
    author = await directory.actor(author_uri)

    def write(session: Session) -> bool:
        keeper = session.merge(author)
        if not remote_listings.followed_here(session, keeper):
            return False
        media = city.fediverse.policy.current_sync(session).verdict(uri).reject_media
        stored = remote_listings.store(session, keeper, listing, currency, reject_media=media)
        return stored is not None

    return bool(await city.db.write(write))


async def backfill(city: City, job: Job) -> None:
    """The job: the followed actor's live listings, up to MAX_LISTINGS, then done."""
    follow_id = job.payload.get("follow")

    def followed(session: Session) -> RemoteActor | None:
        follow = session.get(Follow, follow_id) if isinstance(follow_id, int) else None
        if follow is None or follow.state is not FollowState.accepted:
            return None
        return session.get(RemoteActor, follow.remote_actor_id)

    actor = await city.db.read(followed)
    stored = 0
    if actor is not None and actor.suspended_at is None:
        try:
            for uri in await listing_ids(city, actor):
                if stored >= MAX_LISTINGS:
                    break
                if await _store_one(city, uri):
                    stored += 1
        except Refused as exc:  # never retried: a refused domain is not contacted again
            log.info("backfill of %s stopped: %s", actor.uri, exc)
        log.info("backfill of %s: %d listings kept", actor.uri, stored)
    await city.db.write(lambda s: queue.finish(s, Job, [job.id], job.locked_by or ""))


HANDLERS: dict[str, JobHandler] = {FOLLOW_BACKFILL: backfill}
