"""Organisation requests: a member asks for their account to be recognised as an
organisation, staff approve or decline it, the member may withdraw it, staff may revoke an
approval (issue 15).

The state graph is declared here (requested -> approved | declined | withdrawn; approved ->
revoked); the flag that makes the actor an `Organization` is `members.set_organisation`,
which approval and revocation call, so the command line's direct recognition and this
workflow keep one flag and one moderation-log vocabulary. Publishing the actor's `Update` and
notifying the member are the use case's (services/organisations.py).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import (
    Member,
    OrganisationKind,
    OrganisationRequest,
    OrganisationRequestState,
    utcnow,
)

from . import members
from .errors import DomainError, Forbidden, NotFound
from .state_graph import StateGraph

State = OrganisationRequestState

GRAPH: StateGraph[OrganisationRequestState] = StateGraph(
    "organisation request",
    State,
    {
        State.requested: {State.approved, State.declined, State.withdrawn},
        State.approved: {State.revoked},
        State.declined: set(),
        State.withdrawn: set(),
        State.revoked: set(),
    },
)

MAX_PRESENTATION, MAX_WEBSITE, MAX_REASON = 1000, 300, 500


def _check_staff(by: Member | None) -> None:
    if by is not None and not by.is_moderator:
        raise Forbidden("only moderators and admins answer organisation requests")


def parse_kind(value: str) -> OrganisationKind:
    try:
        return OrganisationKind(value)
    except ValueError:
        kinds = ", ".join(k.value for k in OrganisationKind)
        raise DomainError(
            "invalid_kind", f"the kind is one of {kinds}", 400, {"kinds": kinds}
        ) from None


def _website(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if len(value) > MAX_WEBSITE or parts.scheme not in ("http", "https") or not parts.netloc:
        raise DomainError(
            "invalid_website",
            f"the website is an http(s) address of at most {MAX_WEBSITE} characters",
            400,
            {"limit": MAX_WEBSITE},
        )
    return value


def _reason(reason: str, *, required: bool) -> str:
    reason = reason.strip()
    if required and not reason:
        raise DomainError("missing_reason", "say why: a reason is required", 400)
    if len(reason) > MAX_REASON:
        raise DomainError(
            "too_long", f"a reason is at most {MAX_REASON} characters", 400, {"limit": MAX_REASON}
        )
    return reason


def open_request(session: Session, member: Member) -> OrganisationRequest | None:
    return session.scalar(
        select(OrganisationRequest).where(
            OrganisationRequest.member_id == member.id,
            OrganisationRequest.state == State.requested,
        )
    )


def latest(session: Session, member: Member) -> OrganisationRequest | None:
    """The member's newest request, whatever its state (what their settings page shows)."""
    return session.scalar(
        select(OrganisationRequest)
        .where(OrganisationRequest.member_id == member.id)
        .order_by(OrganisationRequest.id.desc())
        .limit(1)
    )


def get(session: Session, public_id: str) -> OrganisationRequest:
    row = session.scalar(
        select(OrganisationRequest).where(OrganisationRequest.public_id == public_id)
    )
    if row is None:
        raise NotFound("organisation request")
    return row


def listed(
    session: Session, state: OrganisationRequestState | None = State.requested, limit: int = 200
) -> list[tuple[OrganisationRequest, Member]]:
    """Requests with their members, oldest first (the queue order); `state` None: all."""
    query = select(OrganisationRequest, Member).join(
        Member, Member.id == OrganisationRequest.member_id
    )
    if state is not None:
        query = query.where(OrganisationRequest.state == state)
    query = query.order_by(OrganisationRequest.id).limit(limit)
    return [(row, member) for row, member in session.execute(query).all()]


def ask(
    session: Session,
    member: Member,
    kind: str,
    presentation: str,
    website: str = "",
) -> OrganisationRequest:
    """The member asks to be recognised as an organisation. Refused when a request is already
    open (one at a time) or the account already is one."""
    if not member.is_active:
        raise DomainError("inactive", "only active members may do this", 403)
    if member.is_organisation:
        raise DomainError("already_organisation", "this account is already an organisation", 409)
    if open_request(session, member) is not None:
        raise _already_open()
    text = presentation.strip()
    if not text:
        raise DomainError("missing_presentation", "present the organisation in a few words", 400)
    if len(text) > MAX_PRESENTATION:
        raise DomainError(
            "too_long",
            f"a presentation is at most {MAX_PRESENTATION} characters",
            400,
            {"limit": MAX_PRESENTATION},
        )
    row = OrganisationRequest(
        member_id=member.id,
        kind=parse_kind(kind),
        presentation=text,
        website=_website(website),
        state=State.requested,
        reason="",
    )
    try:
        # the partial unique index is the last word when two requests race past the check
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise _already_open() from None
    return row


def _already_open() -> DomainError:
    return DomainError(
        "request_open",
        "an organisation request is already waiting for staff: withdraw it first",
        409,
    )


def withdraw(
    session: Session, member: Member, *, now: datetime | None = None
) -> OrganisationRequest:
    """The member takes back their open request."""
    row = open_request(session, member)
    if row is None:
        raise DomainError("no_open_request", "there is no organisation request waiting", 409)
    GRAPH.move(row, State.withdrawn)
    row.decided_at = now or utcnow()
    return row


def approve(
    session: Session,
    row: OrganisationRequest,
    by: Member | None,
    reason: str = "",
    *,
    now: datetime | None = None,
) -> Member:
    """Staff approve: the account is an organisation from now on (its actor an
    `Organization`). `by` None: the command line."""
    _check_staff(by)
    reason = _reason(reason, required=False)
    GRAPH.move(row, State.approved)
    _decided(row, by, reason, now)
    member = member_of(session, row)
    return members.set_organisation(
        session, member.username, by, organisation=True, now=row.decided_at, reason=reason
    )


def decline(
    session: Session,
    row: OrganisationRequest,
    by: Member | None,
    reason: str,
    *,
    now: datetime | None = None,
) -> Member:
    """Staff decline, with a reason the member reads; the member may ask again later."""
    _check_staff(by)
    reason = _reason(reason, required=True)
    GRAPH.move(row, State.declined)
    _decided(row, by, reason, now)
    member = member_of(session, row)
    members.log_decision(session, by, "member.organisation_declined", member, reason)
    return member


def revoke(
    session: Session,
    member: Member,
    by: Member | None,
    reason: str,
    *,
    now: datetime | None = None,
) -> OrganisationRequest | None:
    """Staff make an organisation's account a person's again (with a reason): its approved
    request, if it came through one, becomes revoked. Returns that request."""
    _check_staff(by)
    reason = _reason(reason, required=by is not None)
    if not member.is_organisation:
        raise DomainError("not_organisation", "this account is not an organisation", 409)
    row = session.scalar(
        select(OrganisationRequest).where(
            OrganisationRequest.member_id == member.id,
            OrganisationRequest.state == State.approved,
        )
    )
    if row is not None:
        GRAPH.move(row, State.revoked)
        _decided(row, by, reason, now)
    members.set_organisation(session, member.username, by, organisation=False, reason=reason)
    return row


def _decided(
    row: OrganisationRequest, by: Member | None, reason: str, now: datetime | None
) -> None:
    row.decided_at = now or utcnow()
    row.decided_by_id = by.id if by is not None else None
    row.reason = reason


def member_of(session: Session, row: OrganisationRequest) -> Member:
    member = session.get(Member, row.member_id)
    if member is None:  # the foreign key cascades: never, but typed
        raise NotFound("member")
    return member


def recognised(session: Session, limit: int = 500) -> list[Member]:
    """The accounts that are organisations now, the most recently recognised first."""
    return list(
        session.scalars(
            select(Member)
            .where(Member.organisation_since.is_not(None))
            .order_by(Member.organisation_since.desc(), Member.id.desc())
            .limit(limit)
        )
    )
