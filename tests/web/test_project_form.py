"""The form to propose a project (/projects/new): a member fills it on a phone, photos with
their alt text, and the project waits for staff approval; each refusal is shown beside its
field, in the member's language, with what was typed kept and nothing written."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from models import Project, ProjectState, Role

from ..listings.conftest import image_bytes
from .conftest import Browser, add_member, logged_in

FRENCH = {"Accept": "text/html", "Accept-Language": "fr-FR,fr;q=0.9"}
HIDDEN_RE = re.compile(r'name="(csrf_token|form_id)" value="([^"]+)"')


@pytest.fixture
async def alice(in_process_city: Callable[..., Any]) -> AsyncIterator[tuple[Any, Browser]]:
    app, _, _ = in_process_city(currency={"credit_limit": "100.00"})
    add_member(app, "alice")
    browser = await logged_in(app, "alice")
    yield app, browser
    await browser.client.aclose()


def later(days: int = 10) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


async def propose(
    browser: Browser,
    headers: dict[str, str] | None = None,
    photo: bytes | None = None,
    **fields: str,
) -> httpx.Response:
    page = (await browser.client.get("/projects/new", headers=headers)).text
    hidden = dict(HIDDEN_RE.findall(page))
    data = {
        "title": "Atelier vélo",
        "description": "Repair bikes together.\n\nEvery Saturday.",
        "place": "Halle",
        "goal": "50.00",
        "deadline": later(),
        **hidden,
        **fields,
    }
    files = {"photo1": ("bike.png", photo, "image/png")} if photo is not None else None
    return await browser.client.post("/projects/new", data=data, files=files, headers=headers)


def projects(app: Any) -> list[Project]:
    return list(app.state.city.db.read_sync(lambda s: s.scalars(select(Project)).all()))


def error_beside(page: str, field: str) -> str:
    assert f'aria-describedby="project-{field}-error"' in page
    found = re.search(
        rf'<p class="error" role="alert" id="project-{field}-error">([^<]*)</p>', page
    )
    assert found, f"no error beside {field}"
    return found.group(1)


async def test_the_projects_page_links_to_the_form_for_a_signed_in_member(alice: Any) -> None:
    _, browser = alice
    assert 'href="/projects/new"' in (await browser.client.get("/projects")).text


async def test_a_member_proposes_a_project_with_a_photo_and_it_waits_for_approval(
    alice: Any,
) -> None:
    app, browser = alice
    sent = await propose(browser, photo=image_bytes(), alt1="Bikes in the hall")
    assert sent.status_code == 303, sent.text
    assert sent.headers["location"].startswith("/projects/atelier-velo?message=")
    (project,) = projects(app)
    assert project.state is ProjectState.draft and project.goal == 5_000
    assert project.place == "Halle" and project.deadline.date().isoformat() == later(11)
    assert [p["alt"] for p in project.photos] == ["Bikes in the hall"]
    page = (await browser.client.get(sent.headers["location"])).text
    assert 'alt="Bikes in the hall"' in page and "waiting for approval" in page


async def test_a_second_project_with_the_same_title_gets_its_own_slug(alice: Any) -> None:
    app, browser = alice
    await propose(browser)
    again = await propose(browser)
    assert again.headers["location"].startswith("/projects/atelier-velo-2?")
    assert len(projects(app)) == 2


async def test_sending_one_drawing_of_the_form_twice_proposes_once(alice: Any) -> None:
    app, browser = alice
    page = (await browser.client.get("/projects/new")).text
    data = {"title": "Garden", "goal": "10", "deadline": later(), **dict(HIDDEN_RE.findall(page))}
    first = await browser.client.post("/projects/new", data=data)
    second = await browser.client.post("/projects/new", data=data)
    assert first.headers["location"] == second.headers["location"]
    assert len(projects(app)) == 1


async def test_a_past_deadline_is_refused_beside_it_in_french_with_the_text_kept(
    alice: Any,
) -> None:
    app, browser = alice
    refused = await propose(browser, FRENCH, deadline="2020-01-01", title="Jardin partagé")
    assert refused.status_code == 400
    assert error_beside(refused.text, "deadline") == (
        "Choisissez une échéance dans le futur, par exemple 2026-12-24."
    )
    assert 'value="Jardin partagé"' in refused.text
    assert projects(app) == []


async def test_a_goal_of_zero_is_refused_beside_the_goal(alice: Any) -> None:
    app, browser = alice
    refused = await propose(browser, goal="0")
    assert refused.status_code == 400
    assert error_beside(refused.text, "goal") == "the goal must be more than zero"
    assert projects(app) == []


async def test_a_goal_typed_with_a_decimal_comma_is_read_in_french(alice: Any) -> None:
    app, browser = alice
    sent = await propose(browser, FRENCH, goal="25,50")
    assert sent.status_code == 303
    assert [p.goal for p in projects(app)] == [2_550]


async def test_an_end_before_the_start_is_refused_in_french(alice: Any) -> None:
    app, browser = alice
    refused = await propose(browser, FRENCH, starts_on=later(20), ends_on=later(15))
    assert refused.status_code == 400
    assert (
        error_beside(refused.text, "ends_on") == "Un projet ne peut pas finir avant de commencer."
    )
    assert projects(app) == []


async def test_a_photo_without_alt_text_is_refused_and_kept_for_the_next_try(alice: Any) -> None:
    app, browser = alice
    refused = await propose(browser, photo=image_bytes())
    assert refused.status_code == 400
    assert "alt text" in error_beside(refused.text, "alt1")
    kept = re.search(r'name="kept1" value="([^"]+)"', refused.text)
    assert kept and projects(app) == []
    hidden = dict(HIDDEN_RE.findall(refused.text))
    data = {"title": "Garden", "goal": "10", "deadline": later(), "kept1": kept.group(1)}
    sent = await browser.client.post("/projects/new", data={**data, **hidden, "alt1": "Seeds"})
    assert sent.status_code == 303
    assert [p["file"] for p in projects(app)[0].photos] == [kept.group(1)]


async def test_a_file_that_is_not_an_image_is_refused_beside_the_photo_in_french(
    alice: Any,
) -> None:
    app, browser = alice
    refused = await propose(browser, FRENCH, photo=b"%PDF-1.4 no", alt1="x")
    assert refused.status_code == 400
    assert error_beside(refused.text, "photo1") == (
        "Ce fichier n’est pas une image que ce site sait lire."
    )
    assert projects(app) == []


async def test_an_oversized_photo_is_refused_as_for_a_listing(
    in_process_city: Callable[..., Any],
) -> None:
    app, _, _ = in_process_city(listings={"max_photo_bytes": 20_000})
    add_member(app, "alice")
    browser = await logged_in(app, "alice")
    big = image_bytes("PNG", (400, 400)) + b"\0" * 30_000
    refused = await propose(browser, photo=big, alt1="big")
    await browser.client.aclose()
    assert refused.status_code == 413
    assert error_beside(refused.text, "photo1") == "a photo is at most 20 kB"
    assert projects(app) == []


async def test_the_form_without_the_csrf_token_is_refused(alice: Any) -> None:
    app, browser = alice
    sent = await browser.client.post(
        "/projects/new", data={"title": "x", "goal": "1", "deadline": later()}
    )
    assert sent.status_code == 403
    count = app.state.city.db.read_sync(lambda s: s.scalar(select(func.count(Project.id))))
    assert count == 0


async def test_a_visitor_is_sent_to_log_in(in_process_city: Callable[..., Any]) -> None:
    _, _, http = in_process_city()
    answer = await http.get("/projects/new", headers={"Accept": "text/html"})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


async def test_the_owner_adds_and_removes_a_photo_from_the_project_page(alice: Any) -> None:
    app, browser = alice
    sent = await propose(browser)
    page = sent.headers["location"].split("?")[0]
    token = await browser.form_token(page)
    added = await browser.client.post(
        f"{page}/photos",
        data={"csrf_token": token, "alt": "The hall"},
        files={"photo": ("hall.png", image_bytes(), "image/png")},
    )
    assert added.status_code == 303
    assert [p["alt"] for p in projects(app)[0].photos] == ["The hall"]
    assert 'alt="The hall"' in (await browser.client.get(page)).text
    removed = await browser.client.post(f"{page}/photos/1/remove", data={"csrf_token": token})
    assert removed.status_code == 303 and projects(app)[0].photos == []


async def test_a_photo_added_without_alt_text_is_refused_in_french(alice: Any) -> None:
    app, browser = alice
    sent = await propose(browser)
    page = sent.headers["location"].split("?")[0]
    token = await browser.form_token(page)
    refused = await browser.client.post(
        f"{page}/photos",
        data={"csrf_token": token, "alt": " "},
        files={"photo": ("hall.png", image_bytes(), "image/png")},
        headers=FRENCH,
    )
    assert refused.status_code == 400
    found = re.search(r'id="photos-alt-error">([^<]*)<', refused.text)
    assert found and found.group(1).startswith("Chaque photo a besoin d’une description")
    assert projects(app)[0].photos == []


async def test_another_member_sees_no_photo_buttons_and_cannot_add_one(
    in_process_city: Callable[..., Any],
) -> None:
    app, _, _ = in_process_city()
    add_member(app, "alice")
    add_member(app, "mayor", role=Role.moderator)
    add_member(app, "bob")
    alice = await logged_in(app, "alice")
    page = (await propose(alice)).headers["location"].split("?")[0]
    mayor = await logged_in(app, "mayor")
    assert (await mayor.submit(page, f"{page}/approve")).status_code == 303
    bob = await logged_in(app, "bob")
    shown = (await bob.client.get(page)).text
    assert f'action="{page}/photos"' not in shown
    refused = await bob.client.post(
        f"{page}/photos",
        data={"csrf_token": await bob.form_token(page), "alt": "mine"},
        files={"photo": ("x.png", image_bytes(), "image/png")},
    )
    assert refused.status_code == 403 and projects(app)[0].photos == []
    for browser in (alice, mayor, bob):
        await browser.client.aclose()
