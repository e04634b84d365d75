"""What a suspension removes: a domain's accounts, their follows and content, and what is queued.

Generic over the tables that exist: every table with a foreign key to `remote_actors.id`
declared `ondelete="CASCADE"` holds something owned by a remote account (follows, notes,
interactions, listings, negotiations...), and its rows for the purged accounts are deleted.
A table added later is covered as soon as it declares its key that way; one that must keep
its rows declares `SET NULL` (or references the account by URI) instead.

A suspension of ONE account (`suspend_account`) deletes nothing: see there.

Nothing is sent to the suspended side: a suspension severs the relationship silently, as on
Mastodon. Deliveries still queued for it are cancelled, activities it sent that wait in
our inbox queue are dropped (kept as failed rows, with the reason), and its `hosts` rows
(delivery health) go, so that nothing, not even the availability probe, contacts it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Table, delete, func, or_, select, update
from sqlalchemy.orm import Session

from federation.authority import authority_of
from instance.policy import FederationPolicy, covers
from models import Base, Host, InboundActivity, Job, JobState, RemoteActor, utcnow

#: the job kind of a delivery (outbox.publish.DELIVER; `instance` does not import `outbox`)
DELIVER_KIND = "deliver"
_CHUNK = 500
_LIVE = (JobState.queued, JobState.running)


@dataclass
class PurgeResult:
    actors: int = 0
    #: rows deleted, by table
    rows: dict[str, int] = field(default_factory=dict)
    deliveries_cancelled: int = 0
    inbound_dropped: int = 0
    hosts_forgotten: int = 0

    def summary(self) -> str:
        parts = [f"{self.actors} accounts"]
        parts += [f"{n} {table}" for table, n in sorted(self.rows.items()) if n]
        if self.deliveries_cancelled:
            parts.append(f"{self.deliveries_cancelled} queued deliveries")
        if self.inbound_dropped:
            parts.append(f"{self.inbound_dropped} unprocessed activities")
        if self.hosts_forgotten:
            parts.append(f"{self.hosts_forgotten} hosts")
        return "removed " + ", ".join(parts)


def owned_columns() -> list[tuple[Table, Column[Any]]]:
    """(table, column) pairs whose rows belong to a remote account and go with it."""
    found = []
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if (
                fk.column.table.name == RemoteActor.__tablename__
                and (fk.ondelete or "").upper() == "CASCADE"
            ):
                found.append((table, fk.parent))
    return found


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def purge_content(session: Session, actor_ids: Sequence[int], result: PurgeResult) -> None:
    """Delete every row owned by these accounts (follows both ways, notes, listings...)."""
    for table, column in owned_columns():
        for chunk in _chunks(actor_ids):
            count = session.execute(delete(table).where(column.in_(chunk))).rowcount  # type: ignore[attr-defined]
            result.rows[table.name] = result.rows.get(table.name, 0) + (count or 0)


def actors_under(session: Session, rule_domain: str) -> list[tuple[int, str]]:
    """(id, uri) of the known remote accounts a rule for `rule_domain` covers."""
    candidates = session.execute(
        select(RemoteActor.id, RemoteActor.uri, RemoteActor.domain).where(
            or_(
                RemoteActor.domain == rule_domain,
                RemoteActor.domain.like(f"%.{rule_domain}"),
                RemoteActor.domain.like(f"{rule_domain}:%"),
                RemoteActor.domain.like(f"%.{rule_domain}:%"),
            )
        )
    )
    return [(actor_id, uri) for actor_id, uri, domain in candidates if covers(rule_domain, domain)]


def cancel_deliveries(
    session: Session, refused: Iterable[str] | None, policy: FederationPolicy | None
) -> int:
    """Delete queued deliveries to the given inboxes, or (with `policy`) to any refused domain."""
    inboxes = set(refused or ())
    rows = session.execute(
        select(Job.id, Job.payload).where(Job.kind == DELIVER_KIND, Job.state.in_(_LIVE))
    )
    doomed = [
        job_id
        for job_id, payload in rows
        if payload.get("inbox") in inboxes
        or (policy is not None and not policy.allows(str(payload.get("inbox", ""))))
    ]
    for chunk in _chunks(doomed):
        session.execute(
            delete(Job).where(Job.id.in_(chunk)).execution_options(synchronize_session=False)
        )
    return len(doomed)


def drop_inbound(session: Session, actor_uris: set[str], reason: str) -> int:
    """Mark unprocessed activities from these actors failed, so the worker never applies them."""
    rows = session.execute(
        select(InboundActivity.id, InboundActivity.actor).where(InboundActivity.state.in_(_LIVE))
    )
    doomed = [row_id for row_id, actor in rows if actor in actor_uris]
    for chunk in _chunks(doomed):
        session.execute(
            update(InboundActivity)
            .where(InboundActivity.id.in_(chunk))
            .values(state=JobState.failed, locked_by=None, locked_until=None, last_error=reason)
            .execution_options(synchronize_session=False)
        )
    return len(doomed)


def forget_hosts(session: Session, rule_domain: str, policy: FederationPolicy) -> int:
    """Delete the delivery-health rows of the hosts a suspension of `rule_domain` refuses."""
    rows = session.execute(select(Host.id, Host.authority)).all()
    doomed = [
        host_id
        for host_id, authority in rows
        if covers(rule_domain, authority) and not policy.allows(authority)
    ]
    for chunk in _chunks(doomed):
        session.execute(
            delete(Host).where(Host.id.in_(chunk)).execution_options(synchronize_session=False)
        )
    return len(doomed)


def purge_domain(session: Session, rule_domain: str, policy: FederationPolicy) -> PurgeResult:
    """Remove what a suspended domain left here. `policy` is the new one (with the suspension).

    Accounts the policy still allows (a subdomain with its own allow, in blocklist mode) stay.
    """
    result = PurgeResult()
    actors = [(i, uri) for i, uri in actors_under(session, rule_domain) if not policy.allows(uri)]
    ids = [actor_id for actor_id, _ in actors]
    purge_content(session, ids, result)
    for chunk in _chunks(ids):
        session.execute(
            delete(RemoteActor)
            .where(RemoteActor.id.in_(chunk))
            .execution_options(synchronize_session=False)
        )
    result.actors = len(ids)
    result.deliveries_cancelled = cancel_deliveries(session, None, policy)
    uris = {uri for _, uri in actors}
    inbound = session.execute(
        select(InboundActivity.actor).where(InboundActivity.state.in_(_LIVE))
    ).scalars()
    uris |= {
        actor
        for actor in inbound
        if covers(rule_domain, authority_of(actor)) and not policy.allows(actor)
    }
    result.inbound_dropped = drop_inbound(session, uris, f"{rule_domain} was suspended")
    result.hosts_forgotten = forget_hosts(session, rule_domain, policy)
    return result


def suspend_account(session: Session, actor: RemoteActor) -> PurgeResult:
    """Suspend one remote account: refused from now on, and hidden, but nothing of it deleted.

    Unlike a domain suspension, a moderator's suspension of one account must be reversible
    and may not rewrite history: its agreements, the ledger entries that paid them, its
    negotiations, follows, notes and listings all stay. What is visible of it is hidden by
    the readers (feeds, timeline, conversations skip a suspended author; nothing is
    delivered to it); what it sends is refused at the inbox (the policy's suspended
    accounts). Only what was in flight goes: queued deliveries to it, and its activities not
    yet processed (kept as failed rows, with the reason). `unsuspend_account` lifts it.
    """
    result = PurgeResult(actors=1)
    actor.suspended_at = actor.suspended_at or utcnow()
    result.deliveries_cancelled = cancel_deliveries(
        session,
        [i for i in (actor.inbox, actor.shared_inbox) if i and _only_user(session, i)],
        None,
    )
    result.inbound_dropped = drop_inbound(session, {actor.uri}, f"{actor.handle} was suspended")
    return result


def _only_user(session: Session, inbox: str) -> bool:
    """No other account we know delivers through this (shared) inbox."""
    users = session.scalar(
        select(func.count())
        .select_from(RemoteActor)
        .where(
            or_(RemoteActor.inbox == inbox, RemoteActor.shared_inbox == inbox),
            RemoteActor.suspended_at.is_(None),
        )
    )
    return not users


def unsuspend_account(session: Session, actor: RemoteActor) -> None:
    """Lift a suspension: the account is heard and shown again, with everything it had."""
    actor.suspended_at = None
