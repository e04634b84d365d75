"""The role rule itself (exchange.roles.refusal), row by row: who may act on whose account."""

from __future__ import annotations

import pytest

from exchange.roles import Change, refusal
from models import Member, MemberStatus, Role

ADMIN, MOD, MEMBER = Role.admin, Role.moderator, Role.member


def person(id: int, role: Role, status: MemberStatus = MemberStatus.active) -> Member:
    return Member(id=id, username=f"{role.value}{id}", role=role, status=status)


@pytest.mark.parametrize(
    ("actor", "target", "code"),
    [
        (MOD, ADMIN, "outranked"),
        (MOD, MOD, "outranked"),
        (MEMBER, MEMBER, "outranked"),
        (MEMBER, MOD, "outranked"),
        (MOD, MEMBER, None),
        (ADMIN, MOD, None),
        (ADMIN, MEMBER, None),
        (ADMIN, ADMIN, None),
    ],
)
def test_suspending_follows_the_role_order(actor: Role, target: Role, code: str | None) -> None:
    found = refusal(person(1, actor), person(2, target), Change.suspend, active_admins=2)
    assert (found.code if found else None) == code


def test_nobody_suspends_themselves() -> None:
    admin = person(1, ADMIN)
    found = refusal(admin, admin, Change.suspend, active_admins=2)
    assert found is not None and found.code == "self_action"


def test_the_last_active_admin_cannot_be_suspended_even_by_the_operator_with_force() -> None:
    found = refusal(None, person(1, ADMIN), Change.suspend, active_admins=1, force=True)
    assert found is not None and found.code == "last_admin"


def test_the_last_active_admin_cannot_step_down() -> None:
    admin = person(1, ADMIN)
    found = refusal(admin, admin, Change.set_role, active_admins=1, new_role=MOD)
    assert found is not None and found.code == "last_admin"


def test_an_admin_steps_down_when_another_admin_stays() -> None:
    admin = person(1, ADMIN)
    assert refusal(admin, admin, Change.set_role, active_admins=2, new_role=MEMBER) is None


def test_a_suspended_admin_is_not_the_last_one() -> None:
    suspended = person(2, ADMIN, MemberStatus.suspended)
    assert (
        refusal(person(1, ADMIN), suspended, Change.set_role, active_admins=1, new_role=MEMBER)
        is None
    )


def test_a_moderator_cannot_give_a_role_as_high_as_their_own() -> None:
    found = refusal(
        person(1, MOD), person(2, MEMBER), Change.set_role, active_admins=1, new_role=MOD
    )
    assert found is not None and found.code == "outranked"


def test_the_operator_needs_force_for_staff_accounts_only() -> None:
    assert refusal(None, person(1, MEMBER), Change.suspend, active_admins=1) is None
    found = refusal(None, person(1, MOD), Change.suspend, active_admins=1)
    assert found is not None and found.code == "needs_force"
    assert refusal(None, person(1, MOD), Change.suspend, active_admins=1, force=True) is None
