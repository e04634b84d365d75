"""`actor.featured`: queued whenever a remote actor with a `featured` collection is stored
(fetched, refreshed, or its own `Update`; instance/directory.py `store_actor`). It reads the
collection through the directory (signed, policy-checked, SSRF-guarded fetches: the
collection, at most its first page, at most `MAX_ITEMS` posts, each embedded or fetched on
the actor's host and attributed to the actor) and makes the actor's pins what it lists
(exchange/remote_pins.py). Pins are a profile's ornament: a collection that cannot be read
leaves the pins as they were and the job done (the next refresh reads it again), rather
than retrying against a server that does not answer.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange import remote_pins
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
    try:
        objects = await city.fediverse.directory.featured(actor)
    except FetchError as exc:
        log.info("pins of %s not read: %s", uri, exc)
        return
    notes = [note for obj in objects if (note := parse_note(obj)) is not None]
    media = (await city.fediverse.policy.current()).verdict(actor.uri).reject_media

    def write(session: Session) -> None:
        author = session.get(RemoteActor, actor.id)
        if author is not None:
            remote_pins.replace(session, author, notes, reject_media=media)

    await city.db.write(write)


HANDLERS: dict[str, JobHandler] = {FEATURED_JOB: read_featured}
