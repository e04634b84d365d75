"""The role order on the members page: nobody acts on an equal or a superior, an admin excepted
for admins, and the city never loses its last active admin."""

from __future__ import annotations

from typing import Any

from exchange import members
from models import MemberStatus, Role

from .conftest import add_member, logged_in


def member_of(app: Any, name: str) -> Any:
    return app.state.city.db.read_sync(lambda s: members.get_member(s, name))


async def staffed(web_city: Any) -> Any:
    """A city with mayor (admin), mod and mod2 (moderators) and alice (member)."""
    app, _ = await web_city()
    add_member(app, "mayor", role=Role.admin)
    add_member(app, "mod", role=Role.moderator)
    add_member(app, "mod2", role=Role.moderator)
    add_member(app, "alice")
    return app


async def test_a_moderator_cannot_suspend_the_admin(web_city: Any) -> None:
    app = await staffed(web_city)
    mod = await logged_in(app, "mod")
    answer = await mod.submit("/admin/members", "/admin/members/mayor/suspend", reason="coup")
    assert answer.status_code == 403
    assert member_of(app, "mayor").status is MemberStatus.active
    await mod.client.aclose()


async def test_a_moderator_cannot_suspend_another_moderator(web_city: Any) -> None:
    app = await staffed(web_city)
    mod = await logged_in(app, "mod")
    answer = await mod.submit("/admin/members", "/admin/members/mod2/suspend")
    assert answer.status_code == 403
    assert member_of(app, "mod2").status is MemberStatus.active
    await mod.client.aclose()


async def test_a_moderator_suspends_a_member(web_city: Any) -> None:
    app = await staffed(web_city)
    mod = await logged_in(app, "mod")
    answer = await mod.submit("/admin/members", "/admin/members/alice/suspend")
    assert answer.status_code == 303
    assert member_of(app, "alice").status is MemberStatus.suspended
    await mod.client.aclose()


async def test_an_admin_suspends_a_moderator(web_city: Any) -> None:
    app = await staffed(web_city)
    mayor = await logged_in(app, "mayor")
    answer = await mayor.submit("/admin/members", "/admin/members/mod/suspend", reason="abuse")
    assert answer.status_code == 303
    assert member_of(app, "mod").status is MemberStatus.suspended
    await mayor.client.aclose()


async def test_a_moderator_cannot_make_a_member_moderator(web_city: Any) -> None:
    app = await staffed(web_city)
    mod = await logged_in(app, "mod")
    answer = await mod.submit("/admin/members", "/admin/members/alice/role", role="moderator")
    assert answer.status_code == 403
    assert member_of(app, "alice").role is Role.member
    await mod.client.aclose()


async def test_an_admin_makes_a_member_moderator(web_city: Any) -> None:
    app = await staffed(web_city)
    mayor = await logged_in(app, "mayor")
    answer = await mayor.submit("/admin/members", "/admin/members/alice/role", role="moderator")
    assert answer.status_code == 303
    assert member_of(app, "alice").role is Role.moderator
    await mayor.client.aclose()


async def test_the_last_active_admin_cannot_step_down(web_city: Any) -> None:
    app = await staffed(web_city)
    mayor = await logged_in(app, "mayor")
    answer = await mayor.submit("/admin/members", "/admin/members/mayor/role", role="member")
    assert answer.status_code == 409
    assert "last active admin" in answer.text
    assert member_of(app, "mayor").role is Role.admin
    await mayor.client.aclose()


async def test_an_admin_suspends_another_admin_when_one_stays(web_city: Any) -> None:
    app = await staffed(web_city)
    add_member(app, "deputy", role=Role.admin)
    mayor = await logged_in(app, "mayor")
    answer = await mayor.submit("/admin/members", "/admin/members/deputy/suspend")
    assert answer.status_code == 303
    assert member_of(app, "deputy").status is MemberStatus.suspended
    await mayor.client.aclose()


def row_of(page: str, name: str) -> str:
    start = page.index(f"<td>@{name}</td>")
    return page[start : page.index("</tr>", start)]


async def test_the_members_page_shows_a_moderator_no_suspend_button_on_staff(web_city: Any) -> None:
    app = await staffed(web_city)
    mod = await logged_in(app, "mod")
    page = (await mod.client.get("/admin/members")).text
    assert "Suspend" not in row_of(page, "mayor")
    assert "Suspend" not in row_of(page, "mod2")
    assert "Suspend" in row_of(page, "alice")
    assert "moderator</option>" not in row_of(page, "alice")
    await mod.client.aclose()


async def test_the_members_page_shows_an_admin_the_controls_on_moderators(web_city: Any) -> None:
    app = await staffed(web_city)
    mayor = await logged_in(app, "mayor")
    page = (await mayor.client.get("/admin/members")).text
    assert "Suspend" in row_of(page, "mod")
    assert "<option>admin</option>" in row_of(page, "mod")
    assert "Change role" not in row_of(page, "mayor"), "the last admin has no role to step down to"
    await mayor.client.aclose()
