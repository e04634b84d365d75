"""Joining, logging in and out, and what moderators do to members, through the web pages."""

from __future__ import annotations

from typing import Any

from exchange import members
from models import MemberStatus, Role

from .conftest import add_member

PASSWORD = "correct horse battery"


def status_of(app: Any, name: str) -> MemberStatus:
    return app.state.city.db.read_sync(lambda s: members.get_member(s, name).status)


async def test_open_registration_admits_at_once_and_logs_in(web_city: Any) -> None:
    app, browser = await web_city(moderation={"registration": "open"})
    answer = await browser.submit("/register", "/register", username="Alice", password=PASSWORD)
    assert answer.status_code == 303
    assert status_of(app, "alice") is MemberStatus.active
    home = await browser.client.get("/")
    assert "@alice" in home.text


async def test_approval_registration_waits_for_a_moderator(web_city: Any) -> None:
    app, browser = await web_city(moderation={"registration": "approval"})
    await browser.submit(
        "/register", "/register", username="bob", password=PASSWORD, note="I live here"
    )
    assert status_of(app, "bob") is MemberStatus.pending
    refused = await browser.submit("/login", "/login", username="bob", password=PASSWORD)
    assert refused.status_code == 403
    assert "waiting for a moderator" in refused.text


async def test_a_moderator_approves_a_pending_member_who_can_then_log_in(web_city: Any) -> None:
    app, browser = await web_city(moderation={"registration": "approval"})
    add_member(app, "mod", role=Role.moderator)
    add_member(app, "bob", status=MemberStatus.pending)
    await browser.submit("/login", "/login", username="mod", password=PASSWORD)
    answer = await browser.submit("/admin/members", "/admin/members/bob/approve")
    assert answer.status_code == 303
    assert status_of(app, "bob") is MemberStatus.active


async def test_a_moderator_declines_an_applicant_who_then_cannot_log_in(web_city: Any) -> None:
    app, browser = await web_city(moderation={"registration": "approval"})
    add_member(app, "mod", role=Role.moderator)
    add_member(app, "bob", status=MemberStatus.pending)
    add_member(app, "carol")
    await browser.submit("/login", "/login", username="mod", password=PASSWORD)
    page = (await browser.client.get("/admin/members")).text
    assert 'action="/admin/members/bob/decline"' in page  # an applicant: Approve or Decline
    assert 'action="/admin/members/carol/decline"' not in page  # a member is not an applicant
    answer = await browser.submit(
        "/admin/members", "/admin/members/bob/decline", reason="not a resident"
    )
    assert answer.status_code == 303
    assert status_of(app, "bob") is MemberStatus.declined
    again = await browser.submit("/admin/members", "/admin/members/bob/approve")
    assert again.status_code == 409 and status_of(app, "bob") is MemberStatus.declined
    await browser.client.post("/logout", data={"csrf_token": await browser.form_token("/")})
    refused = await browser.submit("/login", "/login", username="bob", password=PASSWORD)
    assert refused.status_code == 403
    assert "application was declined" in refused.text


async def test_a_plain_member_cannot_approve(web_city: Any) -> None:
    app, browser = await web_city()
    add_member(app, "carol")
    add_member(app, "bob", status=MemberStatus.pending)
    await browser.submit("/login", "/login", username="carol", password=PASSWORD)
    token = await browser.form_token("/")
    answer = await browser.client.post("/admin/members/bob/approve", data={"csrf_token": token})
    assert answer.status_code == 403
    assert status_of(app, "bob") is MemberStatus.pending


async def test_invite_registration_needs_a_valid_code(web_city: Any) -> None:
    app, browser = await web_city(moderation={"registration": "invite"})
    refused = await browser.submit("/register", "/register", username="dan", password=PASSWORD)
    assert refused.status_code == 403
    assert "invitation code" in refused.text
    assert app.state.city.db.read_sync(lambda s: members.find_member(s, "dan")) is None


async def test_an_invitation_code_admits_one_person_only(web_city: Any) -> None:
    app, browser = await web_city(moderation={"registration": "invite"})
    code = app.state.city.db.write_sync(lambda s: members.create_invitation(s, None).code)
    first = await browser.submit(
        "/register", "/register", username="dan", password=PASSWORD, invitation=code
    )
    assert first.status_code == 303
    assert status_of(app, "dan") is MemberStatus.active
    await browser.submit("/", "/logout")
    second = await browser.submit(
        "/register", "/register", username="eve", password=PASSWORD, invitation=code
    )
    assert second.status_code == 403
    assert "already used" in second.text


async def test_a_taken_username_is_refused(web_city: Any) -> None:
    app, browser = await web_city(moderation={"registration": "open"})
    add_member(app, "alice")
    answer = await browser.submit("/register", "/register", username="ALICE", password=PASSWORD)
    assert answer.status_code == 409
    assert "already taken" in answer.text


async def test_a_short_password_is_refused(web_city: Any) -> None:
    app, browser = await web_city(moderation={"registration": "open"})
    answer = await browser.submit("/register", "/register", username="alice", password="short")
    assert answer.status_code == 422
    assert "at least 10 characters" in answer.text


async def test_login_with_a_wrong_password_is_refused(web_city: Any) -> None:
    app, browser = await web_city()
    add_member(app, "alice")
    answer = await browser.submit("/login", "/login", username="alice", password="wrong password!")
    assert answer.status_code == 401
    assert "@alice" not in (await browser.client.get("/")).text


async def test_login_then_logout(web_city: Any) -> None:
    app, browser = await web_city()
    add_member(app, "alice")
    answer = await browser.submit("/login", "/login", username="alice", password=PASSWORD)
    assert answer.status_code == 303
    cookie = browser.client.cookies.get("comptoir_session")
    assert cookie
    assert "@alice" in (await browser.client.get("/")).text
    await browser.submit("/", "/logout")
    assert "@alice" not in (await browser.client.get("/")).text


async def test_the_session_cookie_is_httponly_and_samesite(web_city: Any) -> None:
    app, browser = await web_city()
    add_member(app, "alice")
    answer = await browser.submit("/login", "/login", username="alice", password=PASSWORD)
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


async def test_a_form_without_the_csrf_token_is_refused(web_city: Any) -> None:
    app, browser = await web_city()
    add_member(app, "alice")
    await browser.client.get("/login")
    answer = await browser.client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert answer.status_code == 403
    assert "@alice" not in (await browser.client.get("/")).text


async def test_a_form_with_another_sessions_token_is_refused(web_city: Any) -> None:
    app, browser = await web_city()
    add_member(app, "alice")
    token = await browser.form_token("/login")
    browser.client.cookies.clear()
    await browser.client.get("/login")
    answer = await browser.client.post(
        "/login", data={"csrf_token": token, "username": "alice", "password": PASSWORD}
    )
    assert answer.status_code == 403


async def test_a_suspended_member_cannot_log_in(web_city: Any) -> None:
    app, browser = await web_city()
    add_member(app, "alice")
    app.state.city.db.write_sync(lambda s: members.suspend(s, "alice", None, "spam"))
    answer = await browser.submit("/login", "/login", username="alice", password=PASSWORD)
    assert answer.status_code == 403
    assert "suspended" in answer.text


async def test_suspension_ends_an_open_session(web_city: Any) -> None:
    app, browser = await web_city()
    add_member(app, "alice")
    await browser.submit("/login", "/login", username="alice", password=PASSWORD)
    app.state.city.db.write_sync(lambda s: members.suspend(s, "alice", None, "spam"))
    assert "@alice" not in (await browser.client.get("/")).text


async def test_suspension_is_logged_with_the_moderator_and_reason(web_city: Any) -> None:
    from sqlalchemy import select

    from models import ModerationEntry

    app, browser = await web_city()
    add_member(app, "mod", role=Role.admin)
    add_member(app, "alice")
    await browser.submit("/login", "/login", username="mod", password=PASSWORD)
    await browser.submit(
        "/admin/members", "/admin/members/alice/suspend", reason="selling stolen bikes"
    )
    [entry] = app.state.city.db.read_sync(lambda s: list(s.scalars(select(ModerationEntry))))
    assert (entry.action, entry.target, entry.reason) == (
        "member.suspend",
        "alice",
        "selling stolen bikes",
    )
    assert entry.moderator_id is not None
