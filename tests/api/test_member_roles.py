"""Suspending one of our members from a report over the API follows the role order."""

from __future__ import annotations

from typing import Any

from exchange import members
from models import MemberStatus, Role

from .conftest import Client


async def suspend_from_report(city: Client, target: str, moderator: str) -> Any:
    report = await city.post(
        "/reports", {"target": f"@{target}", "comment": "please look"}, as_="alice"
    )
    assert report.status_code == 201, report.text
    return await city.post(
        f"/admin/reports/{report.json()['id']}/actions",
        {"action": "suspend_account"},
        as_=moderator,
    )


def status_of(city: Client, name: str) -> MemberStatus:
    return city.app.state.city.db.read_sync(lambda s: members.get_member(s, name).status)


async def test_a_moderator_cannot_suspend_the_admin_over_the_api(city: Client) -> None:
    city.member("mod", role=Role.moderator)
    answer = await suspend_from_report(city, "mayor", "mod")
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "outranked"
    assert status_of(city, "mayor") is MemberStatus.active


async def test_a_moderator_cannot_suspend_another_moderator_over_the_api(city: Client) -> None:
    city.member("mod", role=Role.moderator)
    city.member("mod2", role=Role.moderator)
    answer = await suspend_from_report(city, "mod2", "mod")
    assert answer.status_code == 403
    assert status_of(city, "mod2") is MemberStatus.active


async def test_an_admin_suspends_a_moderator_over_the_api(city: Client) -> None:
    city.member("mod", role=Role.moderator)
    answer = await suspend_from_report(city, "mod", "mayor")
    assert answer.status_code == 200, answer.text
    assert status_of(city, "mod") is MemberStatus.suspended


async def test_the_last_active_admin_cannot_be_suspended_over_the_api(city: Client) -> None:
    city.member("deputy", role=Role.admin)
    city.app.state.city.db.write_sync(lambda s: members.suspend(s, "deputy", None, force=True))
    answer = await suspend_from_report(city, "mayor", "mayor")
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] in ("self_action", "last_admin")
    assert status_of(city, "mayor") is MemberStatus.active
