"""A resident pledges to another city's project: a settlement we coordinate, whose decision
waits for the project's (docs/FEDERATION.md, "Cross-city pledges").

- `find_project` (before the transaction): the project's Page fetched from its own server
  (signed GET), and its city's instance actor, which the settlement is addressed to.
- `pledge`: the amount in our currency, converted with the exchange rule in force (the quote
  fixed now, both amounts kept on the settlement row at both cities); the hold payer ->
  peer:<their city> (the member's limit and our import cap count it) and the settlement's
  Offer, in one transaction; the project's decision job queued for its deadline. No rule in
  force with that city: refused (`no_exchange_rule`), nothing held.
- The project's city votes at once (it holds peer -> project and counts the pledge); our
  vote handler records the yes and does not commit (services/settlement_payer.py).
- `project.pledges` (the job, at the project's deadline): fetch the Page again; `funded`
  commits every voted pledge to it (Settle), `failed` or `cancelled` aborts them (Undo), still
  `open` asks again later. A pledge with no vote by its decision deadline is aborted by the
  settlement sweep (presumed abort), as any settlement.
- `withdraw`: before the project's deadline the member aborts their pledge (Undo).
- `quote`: the project's goal and progress in its currency and in ours under the rule in
  force, for the page that shows it (web/partner_projects.py); a display, never a promise.

The hold lasts until the project's deadline plus `settlement.hold_seconds`; the decision
deadline is `decision_margin_seconds` before that, so the project's city (which asks about a
hold past expiry) and we (which abort past the decision deadline) both wait for the project.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange import rates, reconciliation, rule_terms, settlements
from exchange.amounts import parse_amount
from exchange.errors import DomainError, Forbidden
from exchange.settlements import Terms
from federation.authority import authority_of
from federation.errors import FetchError
from federation.inbound_project import InboundProject, parse_project
from instance import queue
from instance.outcomes import RetryLater
from models import (
    Job,
    Member,
    MemberStatus,
    RemoteActor,
    Settlement,
    SettlementRole,
    SettlementState,
    new_public_id,
    utcnow,
)
from outbox.publish import publish_or_resend
from outbox.settlement_activities import render_prepare

from .settlement_outcomes import instance_actor_of, schedule_sweep, send_decision
from .settlement_recovery import ASK_ATTEMPTS

if TYPE_CHECKING:
    from instance.city import City
    from instance.jobs import JobHandler

S = SettlementState

#: the job that reads a remote project's decision and decides our pledges to it
DECIDE = "project.pledges"


async def find_project(city: City, url: str) -> InboundProject:
    """The project at `url`, as its own city serves it, with its city's instance actor known."""
    if city.urls.is_local(url):
        raise DomainError("local_project", "this project is of our city: pledge on its page", 400)
    try:
        project = parse_project(await city.fediverse.directory.fetch(url))
    except FetchError as exc:
        raise DomainError(
            "project_unreachable", f"the project could not be read: {exc}", 502
        ) from None
    if project is None or project.uri != url:
        raise DomainError("not_a_project", "this address is not a project of another city", 400)
    try:
        await city.fediverse.directory.actor(instance_actor_of(project.uri))
    except FetchError as exc:
        raise DomainError(
            "partner_unreachable", f"the other city cannot be reached now: {exc}", 502
        ) from None
    return project


def pledge(
    session: Session,
    city: City,
    member: Member,
    project: InboundProject,
    amount: int,
    *,
    now: datetime | None = None,
) -> Settlement:
    """Hold `amount` (our currency) for the remote project and offer the settlement."""
    now = now or utcnow()
    if member.status is not MemberStatus.active:
        raise DomainError("not_active", "only an active member can pledge", 403)
    if isinstance(amount, bool) or amount <= 0:
        raise DomainError("amount_not_positive", "a pledge must be more than zero", 400)
    if project.state != "open":
        raise DomainError(
            "project_not_open",
            f"this project is {project.state}: it takes no pledges",
            409,
            {"state": project.state},
        )
    if project.deadline <= now:
        raise DomainError("project_deadline_passed", "the deadline for pledges has passed", 409)
    partner = instance_actor_of(project.uri)
    rule = rates.active_rule(session, partner, now=now)
    if rule is None:
        raise DomainError(
            "no_exchange_rule",
            f"{authority_of(partner)} is not a partner city: no exchange rule with it is in force, "
            "so a pledge cannot be converted into its currency",
            409,
        )
    reconciliation.check_not_frozen(session, partner)
    actor = session.scalar(select(RemoteActor).where(RemoteActor.uri == partner))
    if actor is None:
        raise DomainError("partner_unknown", "the other city could not be reached", 502)
    currency = city.settings.currency
    side = rule_terms.side_of(rule, city.urls.instance_actor)
    target = rule_terms.convert(rule, amount, currency.code, round_up=False)
    if target <= 0:
        raise DomainError(
            "amount_too_small", "this amount is worth nothing in the other currency", 400
        )
    times = city.settings.settlement
    expires_at = project.deadline + timedelta(seconds=times.hold_seconds)
    public_id = f"pledge-{new_public_id()}"
    terms = Terms(
        uri=city.urls.settlement(public_id),
        agreement=project.uri,
        payer=city.urls.member(member.username),
        payee=project.uri,
        source_amount=amount,
        source_currency=currency.code,
        source_scale=currency.scale,
        target_amount=target,
        target_currency=side.their_currency,
        target_scale=side.their_scale,
        rule=rule.uri,
        rule_hash=rule.hash,
        expires_at=expires_at,
        decision_deadline=expires_at - timedelta(seconds=times.decision_margin_seconds),
    )
    settlements.check_limits(rule, terms)
    row = settlements.hold_at_payer(
        session,
        currency,
        member,
        terms,
        public_id=public_id,
        partner=partner,
        agreement_id=None,
        fee=rule_terms.fee(rule, amount),
        project_uri=project.uri,
        now=now,
    )
    publish_or_resend(session, city, render_prepare(city, row), actor)
    schedule_sweep(session, city, run_at=row.decision_deadline)
    queue.enqueue(
        session,
        DECIDE,
        {"project": project.uri},
        run_at=project.deadline,
        key=f"{DECIDE}:{project.uri}",
        max_attempts=ASK_ATTEMPTS,
    )
    return row


@dataclass(frozen=True)
class Quote:
    """A partner city's project's figures, in its currency (minor units of `scale`) and in
    ours (`*_ours`, converted as a pledge would be: what it would cost us, rounded up); None
    where the Page gave no readable amount. `unit` is what one unit of our currency is worth
    in theirs."""

    currency: str
    scale: int
    goal: int | None
    pledged: int | None
    goal_ours: int | None
    pledged_ours: int | None
    unit: int


def quote(
    session: Session, city: City, project: InboundProject, *, now: datetime | None = None
) -> Quote | None:
    """The project's figures under the exchange rule in force; None without one."""
    rule = rates.active_rule(session, instance_actor_of(project.uri), now=now)
    if rule is None:
        return None
    side = rule_terms.side_of(rule, city.urls.instance_actor)
    ours = city.settings.currency

    def read(text: str) -> int | None:
        try:
            return parse_amount(text, side.their_scale, allow_zero=True)
        except DomainError:
            return None

    def converted(amount: int | None) -> int | None:
        if amount is None:
            return None
        return rule_terms.convert(rule, amount, side.their_currency, round_up=True)

    goal, pledged = read(project.goal), read(project.pledged)
    return Quote(
        currency=side.their_currency,
        scale=side.their_scale,
        goal=goal,
        pledged=pledged,
        goal_ours=converted(goal),
        pledged_ours=converted(pledged),
        unit=rule_terms.convert(rule, 10**ours.scale, ours.code, round_up=False),
    )


def project_deadline(city: City, row: Settlement) -> datetime:
    """The project's deadline, as the pledge's hold was set from it."""
    assert row.expires_at is not None
    return row.expires_at - timedelta(seconds=city.settings.settlement.hold_seconds)


def withdraw(
    session: Session, city: City, member: Member, public_id: str, *, now: datetime | None = None
) -> Settlement:
    """The member takes back a pledge before the project's deadline: the settlement aborts."""
    now = now or utcnow()
    row = settlements.find(session, public_id)
    if row.project_uri is None or row.role is not SettlementRole.payer:
        raise DomainError("not_found", f"pledge {public_id!r} not found", 404)
    if row.member_id != member.id:
        raise Forbidden("only the member who pledged can withdraw the pledge")
    if row.state is not S.preparing:
        raise DomainError("pledge_not_pending", f"this pledge is {row.state.value}", 409)
    if project_deadline(city, row) <= now:
        raise DomainError(
            "project_deadline_passed", "the project is decided: pledges can no longer move", 409
        )
    settlements.abort(session, row, code="withdrawn", reason="the pledger withdrew it", now=now)
    send_decision(session, city, row)
    return row


def mine(session: Session, member: Member) -> list[Settlement]:
    """The member's pledges to other cities' projects, newest first."""
    return list(
        session.scalars(
            select(Settlement)
            .where(
                Settlement.member_id == member.id,
                Settlement.role == SettlementRole.payer,
                Settlement.project_uri.is_not(None),
            )
            .order_by(Settlement.id.desc())
        )
    )


def follow_project(session: Session, city: City, project: InboundProject) -> int:
    """Decide our pledges to the project from the decision its city serves; returns how many
    are still waiting (the project is open, or a vote has not arrived yet)."""
    now = utcnow()
    rows = session.scalars(
        select(Settlement).where(
            Settlement.project_uri == project.uri,
            Settlement.role == SettlementRole.payer,
            Settlement.state == S.preparing,
        )
    ).all()
    waiting = 0
    for row in rows:
        assert row.decision_deadline is not None
        if project.state == "funded" and row.voted_at is not None:
            if now < row.decision_deadline:
                settlements.commit(session, row, now=now)
            else:
                waiting += 1  # the sweep aborts it: presumed abort, never a late commit
                continue
        elif project.state in ("failed", "cancelled"):
            settlements.abort(
                session,
                row,
                code=f"project_{project.state}",
                reason=f"the project was {project.state}",
                now=now,
            )
        else:
            waiting += 1
            continue
        send_decision(session, city, row)
    return waiting


async def decide(city: City, job: Job) -> None:
    """The job at a remote project's deadline: read its decision and follow it."""
    uri = str(job.payload.get("project", ""))
    retry = float(city.settings.settlement.sweep_seconds)
    try:
        project = parse_project(await city.fediverse.directory.fetch(uri))
    except FetchError as exc:
        raise RetryLater(f"the project's city did not answer: {exc}", after=retry) from None
    if project is None or project.uri != uri:
        # not a project any more: the sweep aborts the pledges at their decision deadline
        raise RetryLater("the project's city serves no project there", after=retry)
    waiting = await city.db.write(lambda s: follow_project(s, city, project))
    if waiting:
        raise RetryLater("the project is not decided, or a vote is missing", after=retry)


HANDLERS: dict[str, JobHandler] = {DECIDE: decide}
