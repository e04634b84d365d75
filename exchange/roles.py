"""Who may act on whose account: the order of roles, and the one rule every door asks.

Roles are ordered member < moderator < admin. Nobody acts on an account whose role is equal
to or above their own, except that an admin may act on another admin; and nothing may leave
the city without an active admin, because only an admin can undo a mistake from the web (the
alternative is someone with shell access to the server). The person at the server's command
line has no account (`actor` None): they act on members freely and on staff accounts only when
they say `--force`; even then the last active admin stays.

`refusal` is pure, so pages can ask it for each row to hide the buttons a viewer cannot use;
`check` is what the domain functions call before they change anything.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Member, MemberStatus, Role

from .errors import DomainError

RANK: dict[Role, int] = {Role.member: 0, Role.moderator: 1, Role.admin: 2}


class Change(enum.StrEnum):
    """What an actor does to an account."""

    approve = "approve"
    suspend = "suspend"
    unsuspend = "unsuspend"
    set_role = "set_role"
    decline = "decline"


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str
    status: int

    def error(self) -> DomainError:
        return DomainError(self.code, self.message, self.status)


def rank(role: Role) -> int:
    return RANK[role]


def outranks(actor: Member, target: Member) -> bool:
    """The role rule alone: strictly above, or an admin facing an admin."""
    return rank(actor.role) > rank(target.role) or (
        actor.role is Role.admin and target.role is Role.admin
    )


def _removes_an_admin(target: Member, change: Change, new_role: Role | None) -> bool:
    if target.role is not Role.admin or target.status is not MemberStatus.active:
        return False
    return change is Change.suspend or (change is Change.set_role and new_role is not Role.admin)


def refusal(
    actor: Member | None,
    target: Member,
    change: Change,
    *,
    active_admins: int,
    new_role: Role | None = None,
    force: bool = False,
) -> Refusal | None:
    """Why `actor` may not make `change` to `target` (None: they may).

    `active_admins` is the number of active admins now; `new_role` the role a `set_role` gives;
    `force` is the command-line operator's override and means nothing for a member."""
    found = _by_rank(actor, target, change, new_role, force)
    if found is None and _removes_an_admin(target, change, new_role) and active_admins <= 1:
        return Refusal(
            "last_admin",
            f"@{target.username} is the last active admin: make another admin first",
            409,
        )
    return found


def _by_rank(
    actor: Member | None, target: Member, change: Change, new_role: Role | None, force: bool
) -> Refusal | None:
    if actor is None:
        staff = target.role is not Role.member or (
            new_role is not None and new_role is not Role.member
        )
        if staff and not force:
            return Refusal(
                "needs_force",
                f"@{target.username} is a {target.role.value}: acting on a staff "
                "account, or giving a staff role, from the command line needs --force",
                403,
            )
        return None
    if actor.id == target.id and change is not Change.set_role:
        return Refusal("self_action", f"you cannot {change.value} yourself", 409)
    if actor.id != target.id and not outranks(actor, target):
        return Refusal(
            "outranked",
            f"a {actor.role.value} cannot {change.value.replace('_', ' ')} a {target.role.value}",
            403,
        )
    if new_role is not None and actor.role is not Role.admin and rank(new_role) >= rank(actor.role):
        return Refusal("outranked", f"a {actor.role.value} cannot make a {new_role.value}", 403)
    return None


def active_admins(session: Session, *, lock: bool = False) -> int:
    """How many active admins there are; `lock` holds their rows so that two admins suspending
    each other at once cannot both see the other one still there."""
    query = select(Member.id).where(Member.role == Role.admin, Member.status == MemberStatus.active)
    return len(list(session.scalars(query.with_for_update() if lock else query)))


def check(
    session: Session,
    actor: Member | None,
    target: Member,
    change: Change,
    *,
    new_role: Role | None = None,
    force: bool = False,
) -> None:
    """Raise the refusal, if any, for `actor` making `change` to `target` (inside the write)."""
    found = refusal(
        actor,
        target,
        change,
        active_admins=active_admins(session, lock=True),
        new_role=new_role,
        force=force,
    )
    if found is not None:
        raise found.error()
