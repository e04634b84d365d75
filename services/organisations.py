"""Organisation requests as use cases: a member asks or withdraws; staff approve, decline or
revoke (issue 15).

Each staff answer is, in one transaction: the request's move (exchange/organisations.py), the
member's flag and its moderation-log line, a notification to the member, and for approval
and revocation the actor's `Update` to its followers, so other servers show the account as an
`Organization` (or a `Person` again) without refetching it. The web pages, the API and the
command line all come here.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from exchange import members, notifications
from exchange import organisations as rules
from instance.city import City
from models import Member, NotificationKind, OrganisationRequest

from .social import announce_actor


def ask(
    session: Session, member: Member, kind: str, presentation: str, website: str = ""
) -> OrganisationRequest:
    return rules.ask(session, member, kind, presentation, website)


def withdraw(session: Session, member: Member) -> OrganisationRequest:
    return rules.withdraw(session, member)


def approve(
    session: Session, city: City, public_id: str, by: Member | None, reason: str = ""
) -> OrganisationRequest:
    row = rules.get(session, public_id)
    member = rules.approve(session, row, by, reason)
    notifications.notify(
        session, member.id, NotificationKind.organisation, code="organisation_approved"
    )
    announce_actor(session, city, member)
    return row


def decline(
    session: Session, city: City, public_id: str, by: Member | None, reason: str
) -> OrganisationRequest:
    row = rules.get(session, public_id)
    member = rules.decline(session, row, by, reason)
    notifications.notify(
        session,
        member.id,
        NotificationKind.organisation,
        code="organisation_declined",
        params={"reason": row.reason},
    )
    return row


def recognise(session: Session, city: City, username: str, by: Member | None) -> Member:
    """The command line's `comptoir users organisation NAME`: the member's open request is
    approved if there is one, else the account is recognised directly (as before requests
    existed)."""
    member = members.get_member(session, username)
    row = rules.open_request(session, member)
    if row is not None:
        approve(session, city, row.public_id, by)
        return member
    if member.is_organisation:
        return member
    members.set_organisation(session, member.username, by, organisation=True)
    notifications.notify(
        session, member.id, NotificationKind.organisation, code="organisation_approved"
    )
    announce_actor(session, city, member)
    return member


def revoke(
    session: Session, city: City, username: str, by: Member | None, reason: str = ""
) -> Member:
    member = members.get_member(session, username)
    rules.revoke(session, member, by, reason)
    notifications.notify(
        session,
        member.id,
        NotificationKind.organisation,
        code="organisation_revoked",
        params={"reason": reason.strip() or "-"},
    )
    announce_actor(session, city, member)
    return member
