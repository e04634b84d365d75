"""Web sessions live on the server: logging out, a password change or a suspension ends them,
whatever copies of the cookie exist, and a member ends their other sessions from a page."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import httpx

from exchange import members, web_sessions
from models import Role

from .conftest import Browser, add_member, logged_in


def replay(app: Any, cookies: httpx.Cookies) -> httpx.AsyncClient:
    """Another browser holding a copy of the same cookie."""
    base_url = app.state.city.settings.base_url
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)
    client.cookies.update(cookies)
    return client


def sessions_of(app: Any, name: str) -> list[Any]:
    def read(s: Any) -> list[Any]:
        return web_sessions.of_member(s, members.get_member(s, name).id)

    return app.state.city.db.read_sync(read)


async def test_an_old_cookie_replayed_after_logout_gets_the_login_page(web_city: Any) -> None:
    app, _ = await web_city()
    add_member(app, "alice")
    alice = await logged_in(app, "alice")
    copy = httpx.Cookies(alice.client.cookies)
    assert (await alice.client.get("/account")).status_code == 200
    await alice.submit("/", "/logout")
    thief = replay(app, copy)
    answer = await thief.get("/account")
    assert answer.status_code == 401
    assert "My account" not in answer.text
    await thief.aclose()
    await alice.client.aclose()


async def test_logout_deletes_the_session_row(web_city: Any) -> None:
    app, _ = await web_city()
    add_member(app, "alice")
    alice = await logged_in(app, "alice")
    assert len(sessions_of(app, "alice")) == 1
    await alice.submit("/", "/logout")
    assert sessions_of(app, "alice") == []
    await alice.client.aclose()


async def test_a_suspended_members_session_stays_ended_after_the_suspension_is_lifted(
    web_city: Any,
) -> None:
    app, _ = await web_city()
    add_member(app, "alice")
    alice = await logged_in(app, "alice")
    app.state.city.db.write_sync(lambda s: members.suspend(s, "alice", None, "spam"))
    app.state.city.db.write_sync(lambda s: members.unsuspend(s, "alice", None, "sorry"))
    assert (await alice.client.get("/account")).status_code == 401
    assert sessions_of(app, "alice") == []
    await alice.client.aclose()


async def test_a_password_change_ends_every_session(web_city: Any) -> None:
    app, _ = await web_city()
    add_member(app, "alice")
    alice = await logged_in(app, "alice")
    new_hash = members.prepare_credentials("another long password").password_hash
    app.state.city.db.write_sync(lambda s: members.set_password(s, "alice", new_hash))
    assert (await alice.client.get("/account")).status_code == 401
    await alice.client.aclose()


async def test_the_sessions_page_lists_each_browser(web_city: Any) -> None:
    app, _ = await web_city()
    add_member(app, "alice")
    laptop = await logged_in(app, "alice")
    phone = await logged_in(app, "alice")
    page = await laptop.client.get("/account/sessions")
    assert page.status_code == 200
    assert len(re.findall(r'class="session"', page.text)) == 2
    assert "this browser" in page.text
    await laptop.client.aclose()
    await phone.client.aclose()


async def test_ending_another_session_from_the_sessions_page_ends_it(web_city: Any) -> None:
    app, _ = await web_city()
    add_member(app, "alice")
    laptop = await logged_in(app, "alice")
    phone = await logged_in(app, "alice")
    page = await laptop.client.get("/account/sessions")
    [other] = re.findall(r'action="/account/sessions/(\d+)/end"', page.text)
    answer = await laptop.submit("/account/sessions", f"/account/sessions/{other}/end")
    assert answer.status_code == 303
    assert (await phone.client.get("/account")).status_code == 401
    assert (await laptop.client.get("/account")).status_code == 200
    await laptop.client.aclose()
    await phone.client.aclose()


async def test_ending_every_other_session_keeps_this_one(web_city: Any) -> None:
    app, _ = await web_city()
    add_member(app, "alice")
    laptop = await logged_in(app, "alice")
    phone = await logged_in(app, "alice")
    answer = await laptop.submit("/account/sessions", "/account/sessions/others/end")
    assert answer.status_code == 303
    assert (await phone.client.get("/account")).status_code == 401
    assert (await laptop.client.get("/account")).status_code == 200
    await laptop.client.aclose()
    await phone.client.aclose()


async def test_a_member_cannot_end_someone_elses_session(web_city: Any) -> None:
    app, _ = await web_city()
    add_member(app, "alice")
    add_member(app, "mallory", role=Role.moderator)
    alice = await logged_in(app, "alice")
    mallory = await logged_in(app, "mallory")
    [victim] = sessions_of(app, "alice")
    answer = await mallory.submit("/account/sessions", f"/account/sessions/{victim.id}/end")
    assert answer.status_code == 404
    assert (await alice.client.get("/account")).status_code == 200
    await alice.client.aclose()
    await mallory.client.aclose()


async def test_the_cookie_names_no_member(web_city: Any) -> None:
    app, browser = await web_city()
    add_member(app, "alice")
    await browser.submit("/login", "/login", username="alice", password="correct horse battery")
    payload = browser.client.cookies["comptoir_session"].split(".")[0]
    content = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert set(content) <= {"session", "csrf_token"}
    assert "member" not in content


async def test_a_login_form_drawn_before_a_session_ended_still_logs_in(web_city: Any) -> None:
    app, _ = await web_city()
    add_member(app, "alice")
    alice: Browser = await logged_in(app, "alice")
    token = await alice.form_token("/login")
    app.state.city.db.write_sync(
        lambda s: members.set_password(
            s, "alice", members.prepare_credentials("correct horse battery").password_hash
        )
    )
    answer = await alice.client.post(
        "/login",
        data={"csrf_token": token, "username": "alice", "password": "correct horse battery"},
    )
    assert answer.status_code == 303
    await alice.client.aclose()
