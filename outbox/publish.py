"""Publishing: store an activity and its deliveries in the caller's transaction.

This is the transactional outbox. The caller changes its rows and calls `publish` in the
same transaction: either the change, the activity and every delivery job are committed
together, or none is. The delivery worker sends them afterwards.

Deliveries go to shared inboxes when the recipient has one, each inbox once, never to a
domain the federation policy refuses. A follower's inbox on a host known to be unavailable
is skipped; an actor named as a recipient (an offer's party, the followed actor) gets its
delivery queued anyway, so that it fails visibly (outbox.undelivered) and the admin can re-send
it once the host is back, instead of vanishing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from federation.authority import authority_of
from federation.vocab import PUBLIC, as_list
from instance import queue
from instance.city import City
from models import (
    Direction,
    Follow,
    FollowState,
    Host,
    OutboundActivity,
    RemoteActor,
    table_of,
    utcnow,
)

DELIVER = "deliver"
#: deliveries are retried for about a day and a half before they fail for good
DELIVERY_ATTEMPTS = 14


@dataclass
class Audience:
    """Who receives an activity: the followers of some of our actors, and some remote actors."""

    followers_of: list[str] = field(default_factory=list)
    actors: list[RemoteActor] = field(default_factory=list)
    inboxes: list[str] = field(default_factory=list)


def follower_inboxes(session: Session, local_actor: str) -> list[str]:
    rows = session.execute(
        select(RemoteActor.shared_inbox, RemoteActor.inbox)
        .join(Follow, Follow.remote_actor_id == RemoteActor.id)
        .where(
            Follow.local_actor == local_actor,
            Follow.direction == Direction.inbound,
            Follow.state == FollowState.accepted,
            RemoteActor.deleted_at.is_(None),
            RemoteActor.suspended_at.is_(None),
        )
    )
    return [shared or inbox for shared, inbox in rows]


def _unavailable_hosts(session: Session, authorities: Iterable[str]) -> set[str]:
    wanted = set(authorities)
    if not wanted:
        return set()
    rows = session.scalars(
        select(Host.authority).where(
            Host.authority.in_(wanted), Host.unavailable_since.is_not(None)
        )
    )
    return set(rows)


_COLUMNS = ("uri", "type", "actor", "object_uri", "public", "body")


def _columns(document: dict[str, Any]) -> dict[str, Any]:
    """The stored activity's columns, from the document."""
    object_value = document.get("object")
    object_uri = object_value.get("id") if isinstance(object_value, dict) else object_value
    addressed = as_list(document.get("to")) + as_list(document.get("cc"))
    return {
        "uri": document["id"],
        "type": document["type"],
        "actor": document["actor"],
        "object_uri": object_uri if isinstance(object_uri, str) else None,
        "public": PUBLIC in addressed,
        "body": orjson.dumps(document).decode(),
    }


def publish(
    session: Session, city: City, document: dict[str, Any], audience: Audience
) -> OutboundActivity:
    """Store `document` (an activity of one of our actors) and queue one delivery per inbox."""
    record = OutboundActivity(**_columns(document))
    session.add(record)
    session.flush()

    inboxes: dict[str, None] = {}
    for local_actor in audience.followers_of:
        inboxes.update(dict.fromkeys(follower_inboxes(session, local_actor)))
    named: set[str] = set(audience.inboxes)
    for actor in audience.actors:
        if actor.deleted_at is None and actor.suspended_at is None:
            inboxes[actor.delivery_inbox] = None
            named.add(actor.delivery_inbox)
    inboxes.update(dict.fromkeys(audience.inboxes))
    _deliver(session, city, record.id, list(inboxes), named)
    return record


def _deliver(
    session: Session, city: City, record_id: int, inboxes: list[str], named: set[str]
) -> None:
    """Queue one delivery per inbox. A named recipient on a host marked unavailable still gets
    its job, so that it fails visibly instead of vanishing; followers there are skipped."""
    policy = city.fediverse.policy.current_sync(session)
    # a named recipient is queued whatever its host's state: no need to ask when all are
    followers = [i for i in inboxes if i not in named]
    unavailable = _unavailable_hosts(session, (authority_of(i) for i in followers))
    jobs = [
        {
            "kind": DELIVER,
            "payload": {"activity": record_id, "inbox": inbox},
            "max_attempts": DELIVERY_ATTEMPTS,
        }
        for inbox in inboxes
        if not city.urls.is_local(inbox)
        and policy.allows(inbox)
        and (inbox in named or authority_of(inbox) not in unavailable)
    ]
    queue.enqueue_many(session, jobs)


#: the id of a stored activity, by its uri: a Core statement built once, and only the id
#: loaded (the ORM query loaded the whole row, body included, on every settlement step)
_STORED_ID = select(table_of(OutboundActivity).c.id).where(
    table_of(OutboundActivity).c.uri == bindparam("uri")
)


_STORE_IF_NEW: dict[str, Any] = {}


def _store_if_new(dialect: str) -> Any:
    """A new stored activity, its id returned, or no id when an activity with the same uri is
    stored already: one Core statement built once per dialect. A new message, which most
    are, costs one statement (it was a lookup, then the insert; before that an ORM object's
    insert and flush only to learn the id, on every settlement step)."""
    statement = _STORE_IF_NEW.get(dialect)
    if statement is None:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        table = table_of(OutboundActivity)
        statement = _STORE_IF_NEW[dialect] = (
            insert(table)
            .values({name: bindparam(name) for name in (*_COLUMNS, "created_at")})
            .on_conflict_do_nothing(index_elements=["uri"])
            .returning(table.c.id)
        )
    return statement


def publish_or_resend(
    session: Session, city: City, document: dict[str, Any], recipient: RemoteActor
) -> int:
    """Publish `document` to one actor, or, when an activity with its id was published
    already, deliver that stored activity to it again (a protocol that resends until it is
    acknowledged: settlement decisions). The stored body is sent, never a new one. Returns
    the stored activity's id.
    """
    dialect = session.get_bind().dialect.name
    values = _columns(document) | {"created_at": utcnow()}
    stored = session.execute(_store_if_new(dialect), values).scalar()
    if stored is not None:
        if recipient.deleted_at is None and recipient.suspended_at is None:
            inbox = recipient.delivery_inbox
            _deliver(session, city, stored, [inbox], {inbox})
        return int(stored)
    stored = session.execute(_STORED_ID, {"uri": document["id"]}).scalar_one()
    if recipient.deleted_at is None:
        inbox = recipient.delivery_inbox
        _deliver(session, city, stored, [inbox], {inbox})
    return int(stored)
