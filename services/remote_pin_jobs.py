"""`actor.featured`: queued whenever a remote actor with a `featured` or `featuredTags`
collection is stored (fetched, refreshed, or its own `Update`; instance/directory.py
`store_actor`). It reads, through the directory (signed, policy-checked, SSRF-guarded
fetches: each collection, at most its first page, at most `MAX_ITEMS` items), the hashtags
the profile shows (exchange/remote_featured_tags.py) and the pinned posts, each embedded or
fetched on the actor's host and attributed to the actor, and makes the actor's pins what
the collection lists (exchange/remote_pins.py). Both are a profile's ornament: a collection
that cannot be read leaves what was kept as it was and the job done (the next refresh reads
it again), rather than retrying against a server that does not answer.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange import remote_featured_tags, remote_pins
from federation.errors import FetchError
from federation.inbound_note import parse_note
from instance.directory import FEATURED_JOB
from models import Job, RemoteActor

if TYPE_CHECKING:
    from instance.city import City
    from instance.jobs import JobHandler

log = logging.getLogger("comptoir.pins")


async def read_featured(city: City, job: Job) -> None:
    uri = job.payload.get("actor")
    actor = await city.db.read(
        lambda s: s.scalar(select(RemoteActor).where(RemoteActor.uri == uri))
    )
    if actor is None or actor.deleted_at is not None or actor.suspended_at is not None:
        return
    directory = city.fediverse.directory
    tags: list[str] | None = None
    if "featuredTags" in actor.extra:
        try:
            tags = remote_featured_tags.kept_names(await directory.featured_tags(actor))
        except FetchError as exc:
            log.info("featured hashtags of %s not read: %s", uri, exc)
    try:
        objects = await directory.featured(actor)
    except FetchError as exc:
        log.info("pins of %s not read: %s", uri, exc)
        objects = None
    notes = [note for obj in objects or [] if (note := parse_note(obj)) is not None]
    media = (await city.fediverse.policy.current()).verdict(actor.uri).reject_media

    def write(session: Session) -> None:
        author = session.get(RemoteActor, actor.id)
        if author is None:
            return
        if objects is not None:
            remote_pins.replace(session, author, notes, reject_media=media)
        if tags is not None:
            remote_featured_tags.keep(author, tags)

    await city.db.write(write)


HANDLERS: dict[str, JobHandler] = {FEATURED_JOB: read_featured}
