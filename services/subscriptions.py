"""Shared domain lists: a city publishes its allow-list, others subscribe and follow its changes.

Publishing: `GET /api/comptoir/v1/federation/allowlist` answers, when the admin chose to
publish (`comptoir domains publish on`), a JSON object
`{"kind": "allow", "city": ..., "updated_at": ..., "domains": [{"domain", "public_comment"}]}`
with every allow entry except the obfuscated ones (obfuscation means "not public").

Subscribing: the list is fetched through the city's FederationClient (SSRF guard, size cap,
JSON only: the client reads JSON objects, so CSV and plain-text lists are for `import`, not
for subscriptions) and never from a domain our policy refuses. A subscription first proves
its URL (nothing is stored if the URL is unreachable or not a list), then refreshes on a
schedule (the recurring job `domains.subscriptions`, queued by the first subscription). A
refresh adds the entries that are new and removes those that left the list, but only entries
the subscription itself made: an entry an admin made by hand (or another subscription made)
is never touched. With `review` on,
the changes wait as drafts for an admin to accept or reject; a rejected draft is not proposed
again while the list keeps it. Each refresh records what changed and logs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from exchange import domain_drafts, domain_lists, domains, moderation_log
from exchange import instance_settings as admin_settings
from exchange.errors import DomainError, NotFound
from federation.errors import FetchError
from instance import queue
from instance.settings import FederationMode
from models import (
    DomainDraft,
    DomainRule,
    DomainSubscription,
    DraftAction,
    DraftState,
    Job,
    Member,
    RuleKind,
    utcnow,
)

if TYPE_CHECKING:
    from instance.city import City
    from instance.jobs import JobHandler

REFRESH = "domains.subscriptions"
#: the recurring job looks for due subscriptions at least this often
CHECK_EVERY = timedelta(hours=1)
MIN_HOURS, MAX_HOURS = 1, 24 * 30


@dataclass
class Changes:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    drafted: list[str] = field(default_factory=list)
    #: entries left alone, with why (an existing entry of the admin, a stricter block)
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "added": self.added,
            "removed": self.removed,
            "drafted": self.drafted,
            "skipped": self.skipped,
        }

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.removed)} removed, {len(self.drafted)} drafts, "
            f"{len(self.skipped)} left alone"
        )


# ------------------------------------------------------------------ publishing


def published_document(session: Session, city_url: str) -> dict[str, Any]:
    rules = [r for r in domains.list_rules(session, RuleKind.allow) if not r.obfuscate]
    updated = max((r.updated_at or r.created_at for r in rules), default=None)
    return {
        "kind": "allow",
        "city": city_url,
        "updated_at": updated.isoformat() if updated else None,
        "domains": [{"domain": r.domain, "public_comment": r.public_comment} for r in rules],
    }


# ------------------------------------------------------------------ fetching


#: what a published list may be served as: a Comptoir city's JSON, Mastodon's CSV, or plain text
_LIST_TYPES = {"application/json": "json", "text/csv": "csv", "text/plain": "text"}
_LIST_ACCEPT = "application/json, text/csv;q=0.9, text/plain;q=0.5"


async def fetch_list(city: City, url: str) -> list[domain_lists.Entry]:
    """The entries of a published list: a Comptoir city's JSON (`{"domains": [...]}`), a CSV in
    Mastodon's export format, or plain text with one domain a line. DomainError (422) when
    refused, unreachable or not a list."""
    if not url.startswith(("https://", "http://")):
        raise DomainError("invalid_url", f"a list URL starts with https:// (got {url!r})", 400)
    verdict = (await city.fediverse.policy.current()).verdict(url)
    if not verdict.allowed:
        raise DomainError("list_refused", f"not fetching {url}: {verdict.reason}", 422)
    try:
        body, media_type, _ = await city.fediverse.client.get_document(
            url, accept=_LIST_ACCEPT, media_types=frozenset(_LIST_TYPES)
        )
    except FetchError as exc:
        raise DomainError("list_unreachable", f"could not fetch the list: {exc}", 422) from None
    fmt = _LIST_TYPES[media_type]
    try:
        text = body.decode("utf-8")
        document = orjson.loads(text) if fmt == "json" else None
    except ValueError:  # UnicodeDecodeError and orjson.JSONDecodeError are both ValueErrors
        raise DomainError(
            "not_a_list", f"{url} is not a domain list (unreadable {media_type})", 422
        ) from None
    if fmt == "json" and not (
        isinstance(document, list)
        or (isinstance(document, dict) and isinstance(document.get("domains"), list))
    ):
        raise DomainError(
            "not_a_list", f'{url} is JSON but not a domain list (it has no "domains" array)', 422
        )
    try:
        return (
            domain_lists.parse_document(document)
            if fmt == "json"
            else domain_lists.parse(text, fmt)
        )
    except domain_lists.BrokenList as exc:
        raise DomainError(
            "not_a_list", f"{url} is not a usable domain list: {exc.message}", 422
        ) from None


# ------------------------------------------------------------------ applying


def _owned(session: Session, sub: DomainSubscription) -> dict[str, DomainRule]:
    rules = session.scalars(select(DomainRule).where(DomainRule.subscription_id == sub.id))
    return {r.domain: r for r in rules}


def _draft(
    session: Session,
    sub: DomainSubscription,
    entry: domain_lists.Entry,
    action: DraftAction,
    changes: Changes,
) -> None:
    existing = session.scalar(
        select(DomainDraft).where(
            DomainDraft.subscription_id == sub.id,
            DomainDraft.domain == entry.domain,
            DomainDraft.action == action,
        )
    )
    if existing is not None:
        return
    session.add(
        DomainDraft(
            subscription_id=sub.id,
            domain=entry.domain,
            kind=sub.kind,
            action=action,
            severity=entry.severity,
            reject_media=entry.reject_media,
            reject_reports=entry.reject_reports,
            public_comment=entry.public_comment,
        )
    )
    changes.drafted.append(f"{action.value} {entry.domain}")


def _create(
    session: Session,
    sub: DomainSubscription,
    entry: domain_lists.Entry,
    default_mode: FederationMode,
    own_domain: str,
    changes: Changes,
) -> None:
    if sub.kind is RuleKind.allow:
        domains.allow(
            session, entry.domain, None, public_comment=entry.public_comment, subscription_id=sub.id
        )
    else:
        spec = domains.BlockSpec(
            entry.domain,
            entry.severity,
            entry.reject_media,
            entry.reject_reports,
            entry.public_comment,
            f"subscription {sub.id}",
        )
        try:
            domains.block(
                session, spec, None, default_mode, own_domain=own_domain, subscription_id=sub.id
            )
        except (domains.Conflict, domains.OwnDomain) as exc:
            changes.skipped.append(f"{entry.domain}: {exc.message}")
            return
    changes.added.append(entry.domain)


def apply_entries(
    session: Session,
    sub: DomainSubscription,
    entries: list[domain_lists.Entry],
    default_mode: FederationMode,
    own_domain: str,
) -> Changes:
    """Bring the subscription's own entries in line with the list (or draft the changes)."""
    changes = Changes()
    wanted = {e.domain: e for e in entries}
    owned = _owned(session, sub)
    for domain, entry in wanted.items():
        if domain in owned:
            continue
        if domains.find_rule(session, domain, sub.kind) is not None:
            changes.skipped.append(
                f"{domain}: already on the list, not managed by this subscription"
            )
        elif sub.review:
            _draft(session, sub, entry, DraftAction.add, changes)
        else:
            _create(session, sub, entry, default_mode, own_domain, changes)
    for domain, rule in owned.items():
        if domain in wanted:
            continue
        if sub.review:
            _draft(session, sub, domain_lists.Entry(domain), DraftAction.remove, changes)
        else:
            domains.remove(session, rule, None, f"removed from subscription {sub.id}'s list")
            changes.removed.append(domain)
    stale = [
        d.id
        for d in session.scalars(select(DomainDraft).where(DomainDraft.subscription_id == sub.id))
        if (d.action is DraftAction.add) != (d.domain in wanted)
        or (d.action is DraftAction.add and d.domain in owned)
        or (d.action is DraftAction.remove and d.domain not in owned)
    ]
    if stale:
        session.execute(delete(DomainDraft).where(DomainDraft.id.in_(stale)))
    now = utcnow()
    sub.fetched_at = sub.succeeded_at = now
    sub.next_refresh_at = now + timedelta(hours=sub.every_hours)
    sub.error = ""
    sub.count = len(wanted)
    sub.last_changes = changes.as_dict()
    if changes.added or changes.removed or changes.drafted:
        moderation_log.record(
            session, None, "subscription.refresh", "subscription", sub.url, changes.summary()
        )
    return changes


def _record_failure(session: Session, sub_id: int, error: str) -> None:
    sub = session.get(DomainSubscription, sub_id)
    if sub is not None:
        sub.fetched_at = utcnow()
        sub.error = error
        sub.next_refresh_at = utcnow() + timedelta(hours=sub.every_hours)


# ------------------------------------------------------------------ the admin's side


def list_subscriptions(session: Session) -> list[DomainSubscription]:
    return list(session.scalars(select(DomainSubscription).order_by(DomainSubscription.id)))


def get_subscription(session: Session, sub_id: int) -> DomainSubscription:
    sub = session.get(DomainSubscription, sub_id)
    if sub is None:
        raise NotFound(f"subscription {sub_id}")
    return sub


async def subscribe(
    city: City,
    url: str,
    by: Member | None,
    *,
    kind: RuleKind = RuleKind.allow,
    review: bool = True,
    every_hours: int = 24,
) -> tuple[DomainSubscription, Changes]:
    """Subscribe to a list: fetch it first (nothing is stored when that fails), then apply or
    draft it.
    """
    if not MIN_HOURS <= every_hours <= MAX_HOURS:
        raise DomainError(
            "invalid_interval", f"every_hours must be between {MIN_HOURS} and {MAX_HOURS}", 400
        )
    entries = await fetch_list(city, url)
    default_mode = city.settings.federation.mode

    def work(session: Session) -> tuple[DomainSubscription, Changes]:
        taken = session.scalar(
            select(DomainSubscription.id).where(
                DomainSubscription.url == url, DomainSubscription.kind == kind
            )
        )
        if taken is not None:
            raise DomainError(
                "already_subscribed", f"subscription {taken} already follows {url}", 409
            )
        sub = DomainSubscription(
            url=url,
            kind=kind,
            review=review,
            every_hours=every_hours,
            created_by_id=by.id if by else None,
            error="",
            count=0,
            last_changes={},
        )
        session.add(sub)
        session.flush()
        moderation_log.record(
            session,
            by,
            "subscription.add",
            "subscription",
            url,
            f"{kind.value} list, {'reviewed' if review else 'applied'} every {every_hours} h",
        )
        schedule(session, run_at=utcnow() + CHECK_EVERY)
        return sub, apply_entries(session, sub, entries, default_mode, city.settings.domain)

    result = await city.db.write(work)
    city.fediverse.policy.invalidate()
    return result


async def refresh(city: City, sub_id: int) -> Changes:
    """Fetch and apply one subscription now. A failure is recorded on it and raised."""
    sub = await city.db.read(lambda s: get_subscription(s, sub_id))
    try:
        entries = await fetch_list(city, sub.url)
    except DomainError as exc:
        error = exc.message
        await city.db.write(lambda s: _record_failure(s, sub_id, error))
        raise
    default_mode = city.settings.federation.mode
    changes = await city.db.write(
        lambda s: apply_entries(
            s, get_subscription(s, sub_id), entries, default_mode, city.settings.domain
        )
    )
    city.fediverse.policy.invalidate()
    return changes


def unsubscribe(
    session: Session, sub_id: int, by: Member | None, *, remove_entries: bool = False
) -> int:
    """Stop following a list. Its entries stay (as the admin's own) unless `remove_entries`."""
    sub = get_subscription(session, sub_id)
    owned = list(_owned(session, sub).values())
    for rule in owned:
        if remove_entries:
            domains.remove(session, rule, by, f"subscription {sub.id} ended")
        else:
            rule.subscription_id = None
    moderation_log.record(
        session,
        by,
        "subscription.remove",
        "subscription",
        sub.url,
        f"{len(owned)} entries {'removed' if remove_entries else 'kept'}",
    )
    session.delete(sub)
    return len(owned)


def drafts(session: Session, *, include_rejected: bool = False) -> list[DomainDraft]:
    query = select(DomainDraft).order_by(DomainDraft.id)
    if not include_rejected:
        query = query.where(DomainDraft.state == DraftState.pending)
    return list(session.scalars(query))


def accept_draft(
    session: Session,
    draft_id: int,
    by: Member | None,
    default_mode: FederationMode,
    own_domain: str,
) -> DomainDraft:
    draft = domain_drafts.pending(session, draft_id)
    sub = get_subscription(session, draft.subscription_id)
    if draft.action is DraftAction.add:
        if domains.find_rule(session, draft.domain, draft.kind) is None:
            entry = domain_lists.Entry(
                draft.domain,
                draft.severity,
                draft.reject_media,
                draft.reject_reports,
                draft.public_comment,
            )
            changes = Changes()
            _create(session, sub, entry, default_mode, own_domain, changes)
            if changes.skipped:
                raise DomainError("domain_conflict", changes.skipped[0], 422)
    else:
        rule = _owned(session, sub).get(draft.domain)
        if rule is not None:
            domains.remove(session, rule, by, f"draft of subscription {sub.id} accepted")
    moderation_log.record(
        session, by, "draft.accept", "domain", f"{draft.action.value} {draft.domain}"
    )
    session.delete(draft)
    return draft


def reject_draft(session: Session, draft_id: int, by: Member | None) -> DomainDraft:
    draft = domain_drafts.pending(session, draft_id)
    domain_drafts.reject(draft)
    moderation_log.record(
        session, by, "draft.reject", "domain", f"{draft.action.value} {draft.domain}"
    )
    return draft


def publish_allowlist(session: Session, published: bool, by: Member | None) -> None:
    admin_settings.set_allowlist_published(session, published, by)


# ------------------------------------------------------------------ the schedule


def schedule(session: Session, *, run_at: datetime | None = None) -> None:
    """Queue the recurring refresh (the key keeps it a singleton); it runs while subscriptions
    exist.
    """
    queue.enqueue(session, REFRESH, {}, run_at=run_at or utcnow(), key=REFRESH)


async def refresh_due(city: City, job: Job) -> None:
    """The recurring job: refresh every due subscription, then queue the next run."""
    now = utcnow()
    due = await city.db.read(
        lambda s: list(
            s.scalars(
                select(DomainSubscription.id).where(DomainSubscription.next_refresh_at <= now)
            )
        )
    )
    for sub_id in due:
        try:
            await refresh(city, sub_id)
        except DomainError:
            pass  # recorded on the subscription; the next run tries again

    def done(session: Session) -> None:
        queue.finish(session, Job, [job.id], job.locked_by or "")
        soonest = session.scalar(select(func.min(DomainSubscription.next_refresh_at)))
        if soonest is not None:  # no subscription left: the job ends until the next subscribe
            next_run = min(soonest, utcnow() + CHECK_EVERY)
            schedule(session, run_at=max(next_run, utcnow() + timedelta(seconds=30)))

    await city.db.write(done)


HANDLERS: dict[str, JobHandler] = {REFRESH: refresh_due}
