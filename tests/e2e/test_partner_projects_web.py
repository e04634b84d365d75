"""A resident of city B pledges to city A's project from B's web pages, and hears of the
outcome: two real cities on loopback, the exchange rule of test_cross_city_pledges (one GRN
buys two BRQ), B's credit limit 10.00 BRQ."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from models import Notification, Settlement

from .cross_city import open_project
from .helpers import eventually
from .market import Resident
from .settlement import agree_rule
from .test_partners_web import browser

FAST = {"sweep_seconds": 1}
FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}


async def two_cities(start_city: Any, *, rule: bool = True) -> tuple[Any, Any]:
    a = await start_city(settlement=FAST)
    b = await start_city(currency={"code": "BRQ", "credit_limit": "10.00"}, settlement=FAST)
    if rule:
        await agree_rule(a, b, num=2, den=1)
    return a, b


def held(city: Any) -> list[Any]:
    return list(city.db.read_sync(lambda s: s.scalars(select(Settlement)).all()))


def told(city: Any) -> list[str]:
    """What the city's members were told about pledges."""
    codes = city.db.read_sync(lambda s: s.scalars(select(Notification.code)).all())
    return [code for code in codes if code.startswith("pledge_")]


def the_error(page: str, field: str) -> str:
    found = re.search(rf'<p class="error" role="alert" id="pledge-{field}-error">([^<]*)</p>', page)
    assert found, f"no error beside {field}"
    return found.group(1)


async def test_a_resident_pledges_from_the_web_and_is_told_when_the_project_is_funded(
    start_city: Any,
) -> None:
    a, b = await two_cities(start_city)
    Resident(b, "bob")
    project = await open_project(a, "repair-cafe", "3.00", seconds=8)
    page = f"/partner-projects?url={project}"
    async with browser(b, "bob") as at_b:
        shown = (await at_b.get(page)).text
        assert "repair-cafe" in shown
        assert "Goal: 3.00 GRN (about 6.00 BRQ)" in shown
        assert "1 BRQ is worth 0.50 GRN" in shown

        over = await at_b.submit(page, "/partner-projects/pledge", url=project, amount="12.00")  # type: ignore[attr-defined]
        assert over.status_code == 422
        assert "credit" in the_error(over.text, "amount")
        assert held(b) == []

        sent = await at_b.submit(page, "/partner-projects/pledge", url=project, amount="6.00")  # type: ignore[attr-defined]
        assert sent.status_code == 303, sent.text
        after = (await at_b.get(sent.headers["location"])).text
        assert "6.00 BRQ (3.00 GRN): held" in after and "Withdraw" in after
        listed = (await at_b.get("/projects")).text
        assert 'href="/partner-projects?url=' in listed and "6.00 BRQ (3.00 GRN), held" in listed

        async def paid() -> bool:
            return "pledge_committed" in told(b)

        await eventually(paid, timeout=30, interval=0.2)
        said = (await at_b.get("/notifications")).text
        assert "Your pledge of 6.00 BRQ to" in said and "the project reached its goal" in said
        assert "6.00 BRQ (3.00 GRN), paid" in (await at_b.get("/projects")).text


async def test_a_withdrawn_pledge_is_released_and_not_announced(start_city: Any) -> None:
    a, b = await two_cities(start_city)
    Resident(b, "bob")
    project = await open_project(a, "garden", "3.00", seconds=60)
    page = f"/partner-projects?url={project}"
    async with browser(b, "bob") as at_b:
        sent = await at_b.submit(page, "/partner-projects/pledge", url=project, amount="2.00")  # type: ignore[attr-defined]
        assert sent.status_code == 303
        (row,) = held(b)
        action = f"/partner-projects/pledges/{row.public_id}/withdraw"
        back = await at_b.submit(page, action)  # type: ignore[attr-defined]
        assert back.status_code == 303, back.text
        assert "2.00 BRQ (1.00 GRN): released" in (await at_b.get(back.headers["location"])).text
    assert [r.state.value for r in held(b)] == ["aborted"] and told(b) == []


async def test_without_an_exchange_rule_the_pledge_is_refused_in_french_and_nothing_is_held(
    start_city: Any,
) -> None:
    a, b = await two_cities(start_city, rule=False)
    Resident(b, "bob")
    project = await open_project(a, "garden", "3.00", seconds=60)
    page = f"/partner-projects?url={project}"
    async with browser(b, "bob") as at_b:
        at_b.headers.update(FRENCH)
        sent = await at_b.submit(page, "/partner-projects/pledge", url=project, amount="2,00")  # type: ignore[attr-defined]
    assert sent.status_code == 409
    assert "Cette ville n’est pas partenaire" in sent.text
    assert held(b) == []


async def test_an_address_that_is_not_a_project_is_refused_on_the_paste_form(
    start_city: Any,
) -> None:
    a, b = await two_cities(start_city, rule=False)
    Resident(b, "bob")
    async with browser(b, "bob") as at_b:
        shown = await at_b.get(f"/partner-projects?url={a.url}/actor")
    assert shown.status_code == 400
    assert "not a project of another city" in shown.text and 'name="url"' in shown.text


async def test_over_the_cap_and_after_the_deadline_the_pledge_is_refused_in_french(
    start_city: Any,
) -> None:
    a = await start_city(settlement=FAST)
    b = await start_city(currency={"code": "BRQ", "credit_limit": "10.00"}, settlement=FAST)
    # B may import at most 1.00 GRN (2.00 BRQ) from A
    await agree_rule(a, b, num=2, den=1, export_cap=100)
    Resident(b, "bob")
    project = await open_project(a, "garden", "3.00", seconds=3)
    page = f"/partner-projects?url={project}"
    async with browser(b, "bob") as at_b:
        at_b.headers.update(FRENCH)
        over = await at_b.submit(page, "/partner-projects/pledge", url=project, amount="4,00")  # type: ignore[attr-defined]
        assert over.status_code == 409, over.text
        assert the_error(over.text, "amount").startswith(
            "Cette promesse ferait dépasser le plafond"
        )
        assert held(b) == []

        async def decided() -> bool:
            shown = (await a.http.get("/api/comptoir/v1/projects/garden")).json()
            return bool(shown["state"] != "open")

        await eventually(decided, timeout=15, interval=0.2)
        assert "Ce projet ne prend plus de promesses." in (await at_b.get(page)).text
        late = await at_b.submit(page, "/partner-projects/pledge", url=project, amount="1,00")  # type: ignore[attr-defined]
    assert late.status_code == 409
    assert "il ne prend pas de promesses" in late.text
    assert held(b) == []


async def test_a_visitor_is_sent_to_log_in_before_the_city_fetches_anything(
    start_city: Any,
) -> None:
    b = await start_city()
    answer = await b.http.get(
        "/partner-projects?url=https://elsewhere.example/projects/x",
        headers={"Accept": "text/html"},
    )
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
