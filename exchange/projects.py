"""Local projects and pledges: the rules, the state graphs and the pledge's ledger flow.

Flow (the simplest that keeps staff in charge): any active member (an association's account
too) proposes a project, which starts as a `draft`; staff (moderators and admins) approve it,
which opens it and makes its ledger account `project:<slug>`; from then until the deadline
members pledge. A member may pledge several times: each pledge is a row of its own with its
own pending transfer, and withdrawing (before the deadline) voids one pledge. Several small
pledges rather than one growing pledge keep every pending transfer immutable, as the ledger
wants, and make "resolve every pledge exactly once" a matter of rows.

At the deadline `decide` fixes the outcome once, from the pending pledges' total (`funded`
when it reaches the goal, else `failed`); `resolve_next` then resolves one pending pledge at a
time (posted when funded, voided when failed or cancelled), each in the caller's transaction,
so the sweep (services/project_jobs.py) gives each pledge its own transaction and a restart
finishes what is left. Nothing here commits.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    Account,
    Member,
    MemberStatus,
    Outcome,
    Pledge,
    PledgeState,
    Project,
    ProjectState,
    TransferKind,
    new_public_id,
    utcnow,
)

from . import ledger, photos
from .errors import DomainError, Forbidden, NotFound
from .ledger import CurrencyRules
from .state_graph import StateGraph

P = ProjectState
GRAPH = StateGraph(
    "project",
    ProjectState,
    {
        P.draft: {P.open, P.cancelled},
        P.open: {P.funded, P.failed, P.cancelled},
        P.funded: set(),
        P.failed: set(),
        P.cancelled: set(),
    },
)
PLEDGE_GRAPH = StateGraph(
    "pledge",
    PledgeState,
    {
        PledgeState.pending: {PledgeState.committed, PledgeState.voided},
        PledgeState.committed: set(),
        PledgeState.voided: set(),
    },
)

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
#: slugs the pages use for themselves (/projects/new is the form to propose one)
RESERVED = frozenset({"new"})
MAX_TITLE = 200
MAX_DESCRIPTION = 20_000
MAX_PLACE = 200


@dataclass(frozen=True)
class Proposal:
    """What a member fills in to propose a project (already parsed from the form or JSON)."""

    slug: str
    title: str
    goal: int
    deadline: datetime
    description: str = ""
    place: str = ""
    starts_on: date | None = None
    ends_on: date | None = None


def _invalid(field: str, message: str, params: dict[str, Any] | None = None) -> DomainError:
    return DomainError(f"invalid_{field}", message, 400, params)


def _not_open(project: Project) -> DomainError:
    state = project.state.value
    return DomainError(
        "project_not_open", f"this project is {state}: it takes no pledges", 409, {"state": state}
    )


def slug_for(session: Session, title: str) -> str:
    """A free slug made from a title, for the web form (which asks no slug of a resident):
    lower-case ASCII letters and digits joined by '-', then `-2`, `-3`... while one is taken."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:50].strip("-")
    base = base or "project"
    taken = set(
        session.scalars(
            select(Project.slug).where((Project.slug == base) | Project.slug.startswith(f"{base}-"))
        )
    )
    slug, n = base, 1
    while slug in taken or slug in RESERVED:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _is_staff(member: Member) -> bool:
    return member.is_moderator and member.is_active


def propose(
    session: Session,
    currency: CurrencyRules,
    owner: Member,
    proposal: Proposal,
    *,
    uri: str,
    photo_entries: list[dict[str, Any]] | None = None,
    now: datetime | None = None,
) -> Project:
    """A member proposes a project: a draft, until staff approve it. `photo_entries` are
    photos already stored (exchange/photos.py), with their alt text."""
    now = now or utcnow()
    if not owner.is_active:
        raise DomainError("not_active", "only an active member can propose a project", 403)
    if not SLUG_RE.match(proposal.slug) or proposal.slug in RESERVED:
        raise _invalid("slug", "a slug is 1 to 60 lower-case letters, digits or '-'")
    title = proposal.title.strip()
    if not title or len(title) > MAX_TITLE:
        raise _invalid("title", f"a title has 1 to {MAX_TITLE} characters")
    if len(proposal.description) > MAX_DESCRIPTION:
        raise _invalid("description", f"a description has at most {MAX_DESCRIPTION} characters")
    if len(proposal.place.strip()) > MAX_PLACE:
        raise _invalid("place", f"a place has at most {MAX_PLACE} characters")
    if proposal.goal <= 0:
        raise _invalid("goal", "the goal must be more than zero")
    if proposal.deadline.tzinfo is None or proposal.deadline <= now:
        raise _invalid("deadline", "the deadline must be a moment in the future")
    if proposal.starts_on and proposal.ends_on and proposal.ends_on < proposal.starts_on:
        raise _invalid(
            "dates",
            "a project cannot end before it starts",
            {"starts_on": proposal.starts_on.isoformat(), "ends_on": proposal.ends_on.isoformat()},
        )
    if session.scalar(select(Project.id).where(Project.slug == proposal.slug)) is not None:
        raise DomainError("slug_taken", f"a project is already called {proposal.slug!r}", 409)
    project = Project(
        slug=proposal.slug,
        uri=uri,
        title=title,
        description=proposal.description.strip(),
        place=proposal.place.strip(),
        starts_on=proposal.starts_on,
        ends_on=proposal.ends_on,
        goal=proposal.goal,
        currency=currency.code,
        deadline=proposal.deadline,
        owner_id=owner.id,
        state=ProjectState.draft,
        created_at=now,
        photos=photos.attach([], photo_entries or [], what="project"),
    )
    session.add(project)
    session.flush()
    return project


def approve(
    session: Session, project: Project, by: Member | None, *, now: datetime | None = None
) -> Project:
    """Staff open a draft (`by` None: the command line): it takes pledges from now on."""
    now = now or utcnow()
    if by is not None and not _is_staff(by):
        raise Forbidden("only moderators and admins approve projects")
    if project.deadline <= now:
        raise DomainError(
            "project_deadline_passed", "the deadline has passed: the owner must set a new one", 409
        )
    GRAPH.move(project, ProjectState.open)
    project.account_id = ledger.project_account_id(session, project.slug)
    project.opened_at = now
    project.approved_by_id = by.id if by else None
    session.flush()
    return project


def cancel(
    session: Session, project: Project, by: Member | None, *, now: datetime | None = None
) -> Project:
    """Staff, or the owner, cancel a draft or an open project; its pledges are then voided by
    the sweep (the caller queues it)."""
    if by is not None and not _is_staff(by) and by.id != project.owner_id:
        raise Forbidden("only the owner, moderators and admins cancel a project")
    GRAPH.move(project, ProjectState.cancelled)
    project.decided_at = now or utcnow()
    project.decided_total = pledged_total(session, project)
    session.flush()
    return project


def pledge(
    session: Session,
    currency: CurrencyRules,
    project: Project,
    member: Member,
    amount: int,
    *,
    now: datetime | None = None,
) -> Pledge:
    """Hold `amount` of the member's credit for the project: a pending transfer to its account.

    The ledger refuses it (`credit_limit_exceeded`) when the member's available balance,
    counting their other pending transfers, does not cover it; the accounts are locked for
    the check, so concurrent pledges never pass the limit together.
    """
    now = now or utcnow()
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise DomainError("amount_not_positive", "a pledge must be more than zero", 400)
    if project.state is not ProjectState.open:
        raise _not_open(project)
    if project.deadline <= now:
        raise DomainError("project_deadline_passed", "the deadline for pledges has passed", 409)
    if member.status is not MemberStatus.active:
        raise DomainError("not_active", "only an active member can pledge", 403)
    if project.currency != currency.code:
        raise DomainError("currency_mismatch", f"this project is in {project.currency}", 409)
    assert project.account_id is not None
    account = ledger.member_account_ids(session, currency, [member])[member.id]
    # lock both accounts, then read the project again: `decide` locks the pot too, so a
    # pledge racing the deadline either counts in the decided total or sees the decision
    locked = ledger.lock(session, [account, project.account_id])
    session.refresh(project)
    if project.state is not ProjectState.open:
        raise _not_open(project)
    public_id = new_public_id()
    transfer_id = f"pledge:{public_id}"
    ledger.transfer(
        session,
        currency,
        public_id=transfer_id,
        kind=TransferKind.pledge,
        legs=[ledger.Leg(account, project.account_id, amount)],
        memo=f"pledge to {project.title}"[:500],
        pending=True,
        reference=project.uri,
        created_by_id=member.id,
        now=now,
        locked=locked,
    )
    row = Pledge(
        public_id=public_id,
        project_id=project.id,
        member_id=member.id,
        amount=amount,
        transfer_id=transfer_id,
        state=PledgeState.pending,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def withdraw(
    session: Session, pledge_row: Pledge, member: Member, *, now: datetime | None = None
) -> Pledge:
    """The member takes a pledge back before the deadline: its pending transfer is voided."""
    now = now or utcnow()
    if pledge_row.member_id != member.id:
        raise Forbidden("only the member who pledged can withdraw the pledge")
    project = session.get(Project, pledge_row.project_id)
    assert project is not None
    if project.state is not ProjectState.open or project.deadline <= now:
        raise DomainError(
            "project_deadline_passed", "the project is decided: pledges can no longer move", 409
        )
    if pledge_row.state is not PledgeState.pending:
        raise DomainError("pledge_not_pending", f"this pledge is {pledge_row.state.value}", 409)
    _resolve(session, pledge_row, Outcome.voided, now)
    return pledge_row


def _editor(project: Project, by: Member) -> bool:
    return _is_staff(by) or (by.id == project.owner_id and by.is_active)


def may_edit(project: Project, by: Member | None) -> bool:
    """Whether `by` may change the project's photos now: its owner or staff, while it is a
    draft or open (pages ask, to show the buttons; `add_photos` and `remove_photo` check)."""
    return (
        by is not None
        and _editor(project, by)
        and project.state in (ProjectState.draft, ProjectState.open)
    )


def _may_edit(project: Project, by: Member) -> None:
    if not _editor(project, by):
        raise Forbidden("only the owner, moderators and admins change a project's photos")
    if project.state not in (ProjectState.draft, ProjectState.open):
        state = project.state.value
        raise DomainError(
            "project_decided", f"this project is {state}: it cannot change", 409, {"state": state}
        )


def add_photos(
    session: Session, project: Project, by: Member, entries: list[dict[str, Any]]
) -> Project:
    """The owner (or staff) adds stored photos to a draft or open project; at most four."""
    _may_edit(project, by)
    project.photos = photos.attach(list(project.photos), entries, what="project")
    session.flush()
    return project


def remove_photo(session: Session, project: Project, by: Member, index: int) -> str:
    """Take the photo at `index` (from 0) off the project; returns its file name, which the
    caller deletes from the media store once the change is committed."""
    _may_edit(project, by)
    kept = list(project.photos)
    if not 0 <= index < len(kept):
        raise DomainError("not_found", f"the project has no photo {index + 1}", 404)
    removed = kept.pop(index)
    project.photos = kept
    session.flush()
    return str(removed["file"])


def _resolve(session: Session, row: Pledge, outcome: Outcome, now: datetime) -> None:
    """The pledge's transfer and its row move together, in the caller's transaction."""
    ledger.resolve(session, row.transfer_id, outcome, now=now)
    PLEDGE_GRAPH.move(
        row, PledgeState.committed if outcome is Outcome.posted else PledgeState.voided
    )
    row.resolved_at = now
    session.flush()


def pledged_total(session: Session, project: Project) -> int:
    """What the project holds or is promised: pending and committed pledges."""
    total = session.scalar(
        select(func.coalesce(func.sum(Pledge.amount), 0)).where(
            Pledge.project_id == project.id,
            Pledge.state.in_((PledgeState.pending, PledgeState.committed)),
        )
    )
    return int(total or 0)


def pledgers(session: Session, project: Project) -> int:
    """How many people pledged: our members, and residents of other cities by actor id."""
    live = (Pledge.project_id == project.id) & Pledge.state.in_(
        (PledgeState.pending, PledgeState.committed)
    )
    ours = session.scalar(select(func.count(func.distinct(Pledge.member_id))).where(live))
    theirs = session.scalar(
        select(func.count(func.distinct(Pledge.pledger_uri))).where(
            live, Pledge.settlement_id.is_not(None)
        )
    )
    return int(ours or 0) + int(theirs or 0)


def decide(session: Session, project: Project, *, now: datetime | None = None) -> bool:
    """At the deadline, fix the outcome once: funded when the pledges reach the goal.

    Returns False when the deadline has not come (nothing written). A project already
    decided (or cancelled) is left as it is, so a second sweep changes nothing here.
    """
    now = now or utcnow()
    if project.state is not ProjectState.open:
        return project.state in GRAPH.finals
    if project.deadline > now:
        return False
    # lock the pot, so that a pledge racing the deadline is in the total or refused
    assert project.account_id is not None
    ledger.lock(session, [project.account_id])
    total = pledged_total(session, project)
    GRAPH.move(project, ProjectState.funded if total >= project.goal else ProjectState.failed)
    project.decided_at = now
    project.decided_total = total
    session.flush()
    return True


def resolve_next(
    session: Session, project: Project, *, limit: int = 1, now: datetime | None = None
) -> int:
    """Resolve up to `limit` pending pledges of a decided project; returns how many.

    Posted when the project is funded, voided when it failed or was cancelled. A pledge
    whose transfer was resolved but whose row was not cannot happen: both change in one
    transaction. Returns 0 when none is left (or the project is not decided). Pledges from
    other cities are left to their settlements: the payer's city decides them once it reads
    the project's decision (services/remote_pledges.py).
    """
    now = now or utcnow()
    if project.state is ProjectState.funded:
        outcome = Outcome.posted
    elif project.state in (ProjectState.failed, ProjectState.cancelled):
        outcome = Outcome.voided
    else:
        return 0
    rows = list(
        session.scalars(
            select(Pledge)
            .where(
                Pledge.project_id == project.id,
                Pledge.state == PledgeState.pending,
                # a pledge from another city follows its settlement's decision instead
                Pledge.settlement_id.is_(None),
            )
            .order_by(Pledge.id)
            .limit(limit)
        )
    )
    for row in rows:
        _resolve(session, row, outcome, now)
    return len(rows)


def by_slug(session: Session, slug: str) -> Project:
    project = session.scalar(select(Project).where(Project.slug == slug))
    if project is None:
        raise NotFound(f"project {slug!r}")
    return project


def by_uri(session: Session, uri: str) -> Project | None:
    return session.scalar(select(Project).where(Project.uri == uri))


def find_pledge(session: Session, public_id: str) -> Pledge:
    row = session.scalar(select(Pledge).where(Pledge.public_id == public_id))
    if row is None:
        raise NotFound(f"pledge {public_id!r}")
    return row


def listing(
    session: Session, *, states: tuple[ProjectState, ...] | None = None, limit: int = 100
) -> list[Project]:
    """Projects newest first, in these states (default: all but drafts)."""
    wanted = states or (P.open, P.funded, P.failed, P.cancelled)
    return list(
        session.scalars(
            select(Project)
            .where(Project.state.in_(wanted))
            .order_by(Project.id.desc())
            .limit(limit)
        )
    )


def pledges_of(session: Session, project: Project, member: Member | None = None) -> list[Pledge]:
    query = select(Pledge).where(Pledge.project_id == project.id)
    if member is not None:
        query = query.where(Pledge.member_id == member.id)
    return list(session.scalars(query.order_by(Pledge.id)))


@dataclass(frozen=True)
class Funds:
    """What the project's ledger account `project:<slug>` holds: `received` is posted (the
    committed pledges of a funded project), `held` is still pending (pledges before the
    deadline, or not yet resolved by the sweep)."""

    received: int
    held: int


def funds(session: Session, project: Project) -> Funds | None:
    """The project's account, read for its organiser and staff; None before approval (no
    account yet)."""
    if project.account_id is None:
        return None
    account = session.get(Account, project.account_id)
    if account is None:
        return None
    return Funds(
        received=account.credits_posted - account.debits_posted,
        held=account.credits_pending - account.debits_pending,
    )
