"""The account pages: a member's balance, history, payments and statement;
the admins' ledger page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from exchange import ledger
from models import Member, Role, Transfer

from .conftest import Browser, add_member, logged_in


@pytest.fixture
async def site(
    in_process_city: Callable[..., Any],
) -> AsyncIterator[tuple[Any, dict[str, Browser]]]:
    """alice and bob (members) and mayor (admin), each logged in from a browser of their own."""
    app, _, _ = in_process_city(currency={"credit_limit": "100.00"})
    for name, role in (("alice", Role.member), ("bob", Role.member), ("mayor", Role.admin)):
        add_member(app, name, role=role)
    browsers = {name: await logged_in(app, name) for name in ("alice", "bob", "mayor")}
    yield app, browsers
    for browser in browsers.values():
        await browser.client.aclose()


def transfers(app: Any) -> int:
    return app.state.city.db.read_sync(
        lambda s: s.scalar(select(func.count()).select_from(Transfer)) or 0
    )


async def pay(browser: Browser, **fields: str) -> httpx.Response:
    page = (await browser.client.get("/account")).text
    payment_id = page.split('name="id" value="')[1].split('"')[0]
    token = await browser.form_token("/account")
    return await browser.client.post(
        "/account/pay", data={"csrf_token": token, "id": payment_id, **fields}
    )


async def test_a_new_member_sees_a_zero_balance_and_the_credit_limit(site: Any) -> None:
    _, browsers = site
    page = await browsers["alice"].client.get("/account")
    assert page.status_code == 200
    assert (
        "Balance: <strong>0.00 GRN</strong>" in page.text and "credit limit 100.00 GRN" in page.text
    )


async def test_a_member_pays_another_and_both_see_it_in_their_history(site: Any) -> None:
    app, browsers = site
    paid = await pay(browsers["alice"], to="bob", amount="12.50", memo="bread")
    assert paid.status_code == 303 and "Paid+12.50+GRN+to+%40bob" in paid.headers["location"]
    mine = (await browsers["alice"].client.get("/account")).text
    theirs = (await browsers["bob"].client.get("/account")).text
    assert (
        "Balance: <strong>-12.50 GRN</strong>" in mine
        and "bread" in mine
        and "@bob" in mine
        and "member:bob" not in mine
    )
    assert "Balance: <strong>12.50 GRN</strong>" in theirs and "@alice" in theirs


async def test_the_same_payment_form_sent_twice_pays_once(site: Any) -> None:
    app, browsers = site
    page = (await browsers["alice"].client.get("/account")).text
    payment_id = page.split('name="id" value="')[1].split('"')[0]
    token = await browsers["alice"].form_token("/account")
    form = {"csrf_token": token, "id": payment_id, "to": "bob", "amount": "5.00", "memo": ""}
    for _ in range(2):
        assert (await browsers["alice"].client.post("/account/pay", data=form)).status_code == 303
    assert transfers(app) == 1


@pytest.mark.parametrize(
    ("fields", "status", "said"),
    [
        ({"to": "bob", "amount": "-1"}, 400, "more than zero"),
        ({"to": "bob", "amount": "1.234"}, 400, "decimal places"),
        ({"to": "nobody", "amount": "1.00"}, 404, "nobody"),
        ({"to": "alice", "amount": "1.00"}, 422, "cannot pay yourself"),
        ({"to": "bob", "amount": "100.01"}, 422, "credit limit"),
    ],
)
async def test_a_refused_payment_says_why_and_writes_nothing(
    site: Any, fields: dict[str, str], status: int, said: str
) -> None:
    app, browsers = site
    refused = await pay(browsers["alice"], **fields)
    assert refused.status_code == status and said in refused.text
    assert transfers(app) == 0


async def test_a_payment_without_the_form_token_is_refused(site: Any) -> None:
    app, browsers = site
    refused = await browsers["alice"].client.post(
        "/account/pay", data={"to": "bob", "amount": "1.00"}
    )
    assert refused.status_code == 403 and transfers(app) == 0


async def test_the_account_page_needs_a_login(in_process_city: Callable[..., Any]) -> None:
    _, _, http = in_process_city()
    assert (await http.get("/account")).status_code == 401


async def test_the_statement_downloads_as_csv_for_a_date_range(site: Any) -> None:
    _, browsers = site
    await pay(browsers["alice"], to="bob", amount="2.00", memo="eggs")
    csv = await browsers["alice"].client.get(
        "/account/statement.csv", params={"from": "2020-01-01"}
    )
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[1].endswith(",payment,posted,amount,member:bob,2.00,,eggs,'@bob,")
    empty = await browsers["alice"].client.get(
        "/account/statement.csv", params={"to": "2020-01-01"}
    )
    assert "eggs" not in empty.text


async def test_a_reversed_date_range_is_refused(site: Any) -> None:
    _, browsers = site
    refused = await browsers["alice"].client.get(
        "/account/statement.csv", params={"from": "2026-12-01", "to": "2026-11-01"}
    )
    assert refused.status_code == 400 and "is after" in refused.text


async def test_an_admin_sees_every_account_and_the_sum_of_balances(site: Any) -> None:
    _, browsers = site
    await pay(browsers["alice"], to="bob", amount="3.00")
    page = await browsers["mayor"].client.get("/admin/ledger")
    assert page.status_code == 200
    assert "member:alice" in page.text and "member:bob" in page.text
    assert "sum of balances <strong>0.00 GRN</strong>" in page.text and "(balanced)" in page.text


async def test_an_admin_adjusts_an_account_with_a_reason(site: Any) -> None:
    app, browsers = site
    done = await browsers["mayor"].submit(
        "/admin/ledger",
        "/admin/ledger/adjust",
        account="alice",
        amount="7.00",
        direction="credit",
        reason="market stall refund",
    )
    assert done.status_code == 303
    account = app.state.city.db.read_sync(
        lambda s: ledger.resolve_account(s, app.state.city.settings.currency, "alice", create=False)
    )
    assert account.balance == 700
    assert app.state.city.db.read_sync(ledger.check_ledger).ok


async def test_members_cannot_see_or_use_the_ledger_page(site: Any) -> None:
    app, browsers = site
    assert (await browsers["alice"].client.get("/admin/ledger")).status_code == 403
    token = await browsers["alice"].form_token("/account")
    refused = await browsers["alice"].client.post(
        "/admin/ledger/adjust",
        data={"csrf_token": token, "account": "alice", "amount": "1000.00", "reason": "mine"},
    )
    assert refused.status_code == 403 and transfers(app) == 0


async def test_the_ledger_page_pages_through_the_accounts(site: Any) -> None:
    app, browsers = site
    city = app.state.city
    for n in range(55):
        add_member(app, f"m{n:02d}")
    names = [f"m{n:02d}" for n in range(55)]
    city.db.write_sync(
        lambda s: ledger.member_account_ids(
            s,
            city.settings.currency,
            list(s.scalars(select(Member).where(Member.username.in_(names)))),
        )
    )
    first = (await browsers["mayor"].client.get("/admin/ledger")).text
    assert "member:m00" in first and "member:m54" not in first and "Next accounts" in first
    after = first.split("/admin/ledger?after=")[1].split('"')[0]
    second = (await browsers["mayor"].client.get(f"/admin/ledger?after={after}")).text
    assert "member:m54" in second and "member:m00" not in second and "Next accounts" not in second
