"""Membership: who may join under the city's registration policy, and what moderators do to members.

Hashing a password (Argon2, ~64 MiB) and generating a key pair (RSA-2048, ~40 ms) are slow,
so callers prepare `Credentials` before opening the transaction that stores them.
"""

from __future__ import annotations

import re
import secrets
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from federation.keys import generate_rsa_pem
from models import DiscussionSpace, Invitation, Member, MemberStatus, ModerationEntry, Role, utcnow

from . import password_resets, web_sessions
from .errors import DomainError, Forbidden, NotFound
from .passwords import check_password_strength, hash_password, verify_password, verify_unknown_user
from .roles import Change, check

USERNAME_RE = re.compile(r"^[a-z0-9_]{1,30}$")
#: names that would collide with our own actors or routes
RESERVED_USERNAMES = frozenset(
    {"actor", "market", "instance", "inbox", "outbox", "api", "about", "root", "system", "nodeinfo"}
)


@dataclass(frozen=True)
class Credentials:
    password_hash: str
    private_key_pem: str
    public_key_pem: str


def prepare_credentials(password: str) -> Credentials:
    """Check and hash the password and make the member's key pair (outside any transaction)."""
    problem = check_password_strength(password)
    if problem:
        raise DomainError("weak_password", f"password {problem}", params={"problem": problem})
    private, public = generate_rsa_pem()
    return Credentials(hash_password(password), private, public)


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME_RE.match(name):
        raise DomainError(
            "invalid_username", "username must be 1 to 30 letters, digits or underscores"
        )
    if name in RESERVED_USERNAMES:
        raise DomainError(
            "reserved_username", f"username {name!r} is reserved", params={"name": name}
        )
    return name


def find_member(session: Session, username: str) -> Member | None:
    return session.scalar(select(Member).where(Member.username == username.strip().lower()))


def login_name(session: Session, typed: str) -> str:
    """The username a login names: the username itself or, as Mastodon apps send in the OAuth
    password grant, the email of exactly one member (an email shared by several names nobody)."""
    typed = typed.strip()
    if "@" not in typed:
        return typed
    found = list(
        session.scalars(
            select(Member.username).where(func.lower(Member.email) == typed.lower()).limit(2)
        )
    )
    return found[0] if len(found) == 1 else typed


def active_by_usernames(session: Session, usernames: list[str]) -> list[Member]:
    """The active members among these usernames (others are not told anything)."""
    if not usernames:
        return []
    query = select(Member).where(
        Member.username.in_([u.lower() for u in usernames]), Member.status == MemberStatus.active
    )
    return list(session.scalars(query.order_by(Member.id)))


def get_member(session: Session, username: str) -> Member:
    member = find_member(session, username)
    if member is None:
        raise NotFound(f"member {username!r}")
    return member


def add_member(
    session: Session,
    username: str,
    credentials: Credentials,
    *,
    role: Role = Role.member,
    status: MemberStatus = MemberStatus.active,
    email: str | None = None,
    display_name: str = "",
    application_note: str = "",
) -> Member:
    name = check_username(username)
    if find_member(session, name) is not None:
        raise DomainError(
            "username_taken", f"username {name!r} is already taken", 409, {"name": name}
        )
    member = Member(
        username=name,
        display_name=display_name.strip()[:100] or name,
        email=email,
        password_hash=credentials.password_hash,
        private_key_pem=credentials.private_key_pem,
        public_key_pem=credentials.public_key_pem,
        role=role,
        status=status,
        approved_at=utcnow() if status is MemberStatus.active else None,
        application_note=application_note[:2000],
    )
    session.add(member)
    session.flush()
    return member


def register(
    session: Session,
    policy: str,
    username: str,
    credentials: Credentials,
    *,
    email: str | None = None,
    invitation_code: str | None = None,
    application_note: str = "",
) -> Member:
    """Register a resident under the city's policy: open, approval (pending) or invite."""
    # a discussion space's Group answers WebFinger for acct:{slug}: one name, one actor
    slug = username.strip().lower()
    if session.scalar(select(DiscussionSpace.id).where(DiscussionSpace.slug == slug)):
        raise DomainError("username_taken", f"username {slug!r} is a discussion's name", 409)
    status = MemberStatus.active
    invitation: Invitation | None = None
    if policy == "approval":
        status = MemberStatus.pending
    elif policy == "invite":
        invitation = _usable_invitation(session, invitation_code)
    member = add_member(
        session,
        username,
        credentials,
        status=status,
        email=email,
        application_note=application_note,
    )
    if invitation is not None:
        invitation.used_by_id = member.id
        invitation.used_at = utcnow()
    return member


def _usable_invitation(session: Session, code: str | None) -> Invitation:
    if not code:
        raise DomainError(
            "invitation_required", "registration on this city needs an invitation code", 403
        )
    invitation = session.scalar(
        select(Invitation).where(Invitation.code == code.strip()).with_for_update()
    )
    if invitation is None or invitation.used_at is not None:
        raise DomainError(
            "invalid_invitation", "this invitation code is unknown or already used", 403
        )
    if invitation.expires_at is not None and invitation.expires_at < utcnow():
        raise DomainError("invalid_invitation", "this invitation code has expired", 403)
    return invitation


def create_invitation(
    session: Session, created_by: Member | None, *, valid_days: int | None = 14
) -> Invitation:
    invitation = Invitation(
        code=secrets.token_urlsafe(12),
        created_by_id=created_by.id if created_by else None,
        expires_at=utcnow() + timedelta(days=valid_days) if valid_days else None,
    )
    session.add(invitation)
    session.flush()
    return invitation


def authenticate(session: Session, username: str, password: str) -> Member:
    """The member with these credentials, if they may log in; raises DomainError otherwise."""
    member = find_member(session, username)
    if member is None:
        verify_unknown_user(password)  # same cost as a real check
        raise DomainError("invalid_credentials", "wrong username or password", 401)
    if not verify_password(member.password_hash, password):
        raise DomainError("invalid_credentials", "wrong username or password", 401)
    if member.status is MemberStatus.suspended:
        raise DomainError("suspended", "this account is suspended", 403)
    if member.status is MemberStatus.pending:
        raise DomainError("pending", "this account is waiting for a moderator's approval", 403)
    if member.status is MemberStatus.declined:
        raise DomainError("declined", "this application was declined", 403)
    return member


def mark_seen(session: Session, member_id: int) -> None:
    """Record activity (login, API use) for NodeInfo's active-user counts."""
    member = session.get(Member, member_id)
    if member is not None:
        member.last_seen_at = utcnow()


def set_language(session: Session, member_id: int, language: str | None) -> None:
    """Record the language the member chose for pages (None: let the browser decide).

    The domain keeps the choice, not the list of languages: the edge offers and checks those.
    """
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound("member")
    member.language = language


def set_time_zone(member: Member, zone: str) -> None:
    """Record the time zone the member reads times in ('' : the city's); an IANA name such as
    Europe/Paris, else DomainError (400)."""
    zone = zone.strip()
    if zone and zone not in _zones():
        raise DomainError(
            "invalid_time_zone", f"{zone!r} is not a time zone (like Europe/Paris)", 400
        )
    member.time_zone = zone or None


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _log(
    session: Session, moderator: Member | None, action: str, member: Member, reason: str
) -> None:
    session.add(
        ModerationEntry(
            moderator_id=moderator.id if moderator else None,
            action=action,
            target_type="member",
            target=member.username,
            reason=reason,
        )
    )


def log_decision(
    session: Session, moderator: Member | None, action: str, member: Member, reason: str
) -> None:
    """A decision about a member made elsewhere in the domain (an organisation request
    declined), in the moderation log as this module's own."""
    _log(session, moderator, action, member, reason)


def approve(
    session: Session,
    username: str,
    moderator: Member | None,
    *,
    now: datetime | None = None,
    force: bool = False,
) -> Member:
    member = get_member(session, username)
    if member.status is not MemberStatus.pending:
        raise DomainError(
            "not_pending", f"member {member.username!r} is {member.status.value}, not pending", 409
        )
    check(session, moderator, member, Change.approve, force=force)
    member.status = MemberStatus.active
    member.approved_at = now or utcnow()
    _log(session, moderator, "member.approve", member, "")
    return member


def decline(
    session: Session,
    username: str,
    moderator: Member | None,
    reason: str = "",
    *,
    force: bool = False,
) -> Member:
    """Refuse an application: the account never becomes active and cannot log in."""
    member = get_member(session, username)
    if member.status is not MemberStatus.pending:
        raise DomainError(
            "not_pending", f"member {member.username!r} is {member.status.value}, not pending", 409
        )
    check(session, moderator, member, Change.decline, force=force)
    member.status = MemberStatus.declined
    web_sessions.end_all(session, member.id)
    _log(session, moderator, "member.decline", member, reason)
    return member


def set_organisation(
    session: Session,
    username: str,
    moderator: Member | None,
    *,
    organisation: bool = True,
    now: datetime | None = None,
    reason: str = "",
) -> Member:
    """Staff recognise an account as an organisation (or no longer): its actor becomes an AS2
    `Organization`. Logged in the moderation log. `moderator` None: the command line. The
    member's request and the actor's `Update` are services.organisations' (this is the
    flag alone)."""
    if moderator is not None and not moderator.is_moderator:
        raise Forbidden("only moderators and admins recognise organisations")
    member = get_member(session, username)
    if member.is_organisation == organisation:
        return member
    member.organisation_since = (now or utcnow()) if organisation else None
    action = "member.organisation" if organisation else "member.person"
    _log(session, moderator, action, member, reason)
    return member


def suspend(
    session: Session,
    username: str,
    moderator: Member | None,
    reason: str = "",
    *,
    force: bool = False,
) -> Member:
    """Suspend a member and end their web sessions (`moderator` None: the command-line operator)."""
    member = get_member(session, username)
    if member.status is MemberStatus.suspended:
        raise DomainError(
            "already_suspended", f"member {member.username!r} is already suspended", 409
        )
    if member.status is MemberStatus.declined:
        raise DomainError("declined", f"the application of {member.username!r} was declined", 409)
    check(session, moderator, member, Change.suspend, force=force)
    member.status = MemberStatus.suspended
    member.suspended_at = utcnow()
    web_sessions.end_all(session, member.id)
    _log(session, moderator, "member.suspend", member, reason)
    return member


def unsuspend(
    session: Session,
    username: str,
    moderator: Member | None,
    reason: str = "",
    *,
    force: bool = False,
) -> Member:
    member = get_member(session, username)
    if member.status is not MemberStatus.suspended:
        raise DomainError("not_suspended", f"member {member.username!r} is not suspended", 409)
    check(session, moderator, member, Change.unsuspend, force=force)
    member.status = MemberStatus.active
    member.suspended_at = None
    _log(session, moderator, "member.unsuspend", member, reason)
    return member


def set_role(
    session: Session,
    username: str,
    role: Role,
    actor: Member | None,
    reason: str = "",
    *,
    force: bool = False,
) -> Member:
    """Give a member another role; the role order and the last-admin rule decide who may."""
    member = get_member(session, username)
    if member.role is role:
        raise DomainError("same_role", f"member {member.username!r} is already a {role.value}", 409)
    check(session, actor, member, Change.set_role, new_role=role, force=force)
    change = f"{member.role.value} -> {role.value}" + (f": {reason}" if reason else "")
    _log(session, actor, "member.role", member, change)
    member.role = role
    return member


def set_password(
    session: Session, username: str, password_hash: str, *, keep_session: int | None = None
) -> Member:
    """Store a new password hash (made outside the transaction); end every emailed reset link
    and every web session but `keep_session` (the one that changed it)."""
    member = get_member(session, username)
    member.password_hash = password_hash
    password_resets.void_all(session, member.id)
    web_sessions.end_all(session, member.id, keep=keep_session)
    return member


def list_members(session: Session, status: MemberStatus | None = None) -> list[Member]:
    query = select(Member).order_by(Member.id)
    if status is not None:
        query = query.where(Member.status == status)
    return list(session.scalars(query))


def count_active(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Member).where(Member.status == MemberStatus.active)
        )
        or 0
    )
