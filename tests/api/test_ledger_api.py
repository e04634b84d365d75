"""The ledger over JSON: balances, payments, statements, CSV, and the admin's tools."""

from __future__ import annotations

from datetime import date, timedelta

from .conftest import Client


async def pay(city: Client, payer: str, payee: str, amount: str, **extra: str) -> dict[str, object]:
    answer = await city.post(
        "/ledger/transfers", {"to": payee, "amount": amount, **extra}, as_=payer
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


async def test_a_new_member_sees_an_empty_account_with_the_default_limit(city: Client) -> None:
    answer = await city.get("/ledger/account", as_="alice")
    assert answer.status_code == 200
    assert answer.json() == {
        "account": "member:alice",
        "kind": "member",
        "currency": "GRN",
        "balance": "0.00",
        "pending_debits": "0.00",
        "pending_credits": "0.00",
        "available": "100.00",
        "credit_limit": "100.00",
        "max_balance": None,
    }


async def test_a_payment_answers_201_with_the_transfer_and_its_location(city: Client) -> None:
    answer = await city.post(
        "/ledger/transfers",
        {"id": "bread-1", "to": "bob", "amount": "12.5", "memo": "bread"},
        as_="alice",
    )
    assert answer.status_code == 201
    assert answer.headers["location"] == "/api/comptoir/v1/ledger/transfers/bread-1"
    body = answer.json()
    assert (
        body["id"],
        body["kind"],
        body["status"],
        body["amount"],
        body["fee"],
        body["memo"],
    ) == ("bread-1", "payment", "posted", "12.50", "0.00", "bread")
    assert body["legs"] == [
        {"debit": "member:alice", "credit": "member:bob", "amount": "12.50", "purpose": "amount"}
    ]
    mine = (await city.get("/ledger/account", as_="alice")).json()
    assert (mine["balance"], mine["available"]) == ("-12.50", "87.50")


async def test_retrying_a_payment_with_its_id_answers_200_with_the_same_transfer(
    city: Client,
) -> None:
    first = await city.post(
        "/ledger/transfers", {"id": "r1", "to": "bob", "amount": "5.00"}, as_="alice"
    )
    again = await city.post(
        "/ledger/transfers", {"id": "r1", "to": "bob", "amount": "5.00"}, as_="alice"
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert (await city.get("/ledger/account", as_="bob")).json()["balance"] == "5.00"


async def test_reusing_a_payment_id_for_other_fields_answers_409(city: Client) -> None:
    await city.post("/ledger/transfers", {"id": "r1", "to": "bob", "amount": "5.00"}, as_="alice")
    answer = await city.post(
        "/ledger/transfers", {"id": "r1", "to": "bob", "amount": "6.00"}, as_="alice"
    )
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "transfer_exists_with_different_fields"


async def test_the_statement_pages_from_newest_to_oldest_with_a_cursor(city: Client) -> None:
    for n in range(5):
        await pay(city, "alice", "bob", f"{n + 1}.00", memo=f"n{n}")
    memos, cursor, pages = [], None, 0
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = (await city.get("/ledger/statement", as_="alice", **params)).json()
        memos += [e["memo"] for e in page["entries"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert memos == ["n4", "n3", "n2", "n1", "n0"]
    assert pages == 3
    assert page["account"]["balance"] == "-15.00"


async def test_a_statement_line_is_signed_from_the_accounts_side(city: Client) -> None:
    await pay(city, "alice", "bob", "3.00")
    [line] = (await city.get("/ledger/statement", as_="bob")).json()["entries"]
    assert (line["amount"], line["counterparty"], line["status"]) == (
        "3.00",
        "member:alice",
        "posted",
    )
    [line] = (await city.get("/ledger/statement", as_="alice")).json()["entries"]
    assert (line["amount"], line["counterparty"]) == ("-3.00", "member:bob")


async def test_the_csv_export_has_a_header_and_a_line_per_leg_in_the_range(city: Client) -> None:
    await pay(city, "alice", "bob", "3.00", memo="=SUM(A1)")
    today = date.today().isoformat()
    answer = await city.get("/ledger/statement.csv", as_="alice", **{"from": today, "to": today})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert (
        f'filename="statement-member-alice-{today}-{today}.csv"'
        in answer.headers["content-disposition"]
    )
    header, line = answer.text.splitlines()
    assert (
        header
        == "date,transfer,kind,status,purpose,counterparty,debit,credit,memo,counterpart_name,item"
    )
    assert line.endswith(",payment,posted,amount,member:bob,3.00,,'=SUM(A1),'@bob,"), (
        "formulas are defused"
    )


async def test_the_csv_export_leaves_out_lines_outside_the_range(city: Client) -> None:
    await pay(city, "alice", "bob", "3.00")
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    answer = await city.get("/ledger/statement.csv", as_="alice", **{"to": yesterday})
    assert answer.text.splitlines() == [
        "date,transfer,kind,status,purpose,counterparty,debit,credit,memo,counterpart_name,item"
    ]


async def test_an_inverted_date_range_is_refused_with_400(city: Client) -> None:
    answer = await city.get(
        "/ledger/statement.csv", as_="alice", **{"from": "2026-12-02", "to": "2026-12-01"}
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_date_range"


async def test_a_malformed_date_is_refused_with_400(city: Client) -> None:
    answer = await city.get("/ledger/statement.csv", as_="alice", **{"from": "2026-13-01"})
    assert answer.status_code == 400
    assert answer.json()["error"] == {
        "code": "invalid_date",
        "message": "from must be a date like 2026-11-30 (got '2026-13-01')",
    }


async def test_a_malformed_page_limit_is_refused_with_400(city: Client) -> None:
    answer = await city.get("/ledger/statement", as_="alice", limit="1000")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_parameter"


async def test_a_party_reads_a_transfer_and_a_stranger_does_not_learn_it_exists(
    city: Client,
) -> None:
    city.member("carol")
    await pay(city, "alice", "bob", "3.00", id="private")
    assert (await city.get("/ledger/transfers/private", as_="bob")).status_code == 200
    stranger = await city.get("/ledger/transfers/private", as_="carol")
    assert stranger.status_code == 404
    assert (await city.get("/ledger/transfers/private", as_="mayor")).status_code == 200


async def test_a_member_cannot_read_another_account(city: Client) -> None:
    answer = await city.get("/ledger/account", as_="alice", account="bob")
    assert answer.status_code == 403


async def test_an_admin_reads_any_account_and_statement(city: Client) -> None:
    await pay(city, "alice", "bob", "3.00")
    assert (await city.get("/ledger/account", as_="mayor", account="bob")).json()[
        "balance"
    ] == "3.00"
    entries = (await city.get("/ledger/statement", as_="mayor", account="member:alice")).json()[
        "entries"
    ]
    assert [e["amount"] for e in entries] == ["-3.00"]


async def test_an_admin_sees_every_account_and_their_zero_sum(city: Client) -> None:
    await pay(city, "alice", "bob", "3.00")
    await pay(city, "bob", "mayor", "1.00")
    page = (await city.get("/ledger/accounts", as_="mayor", limit="2")).json()
    rest = (await city.get("/ledger/accounts", as_="mayor", cursor=page["next_cursor"])).json()
    keys = [a["account"] for a in page["accounts"] + rest["accounts"]]
    assert sorted(keys) == ["member:alice", "member:bob", "member:mayor"]
    totals = (await city.get("/ledger/totals", as_="mayor")).json()
    assert (totals["balance_sum"], totals["balanced"], totals["debits_posted"]) == (
        "0.00",
        True,
        "4.00",
    )


async def test_an_admin_adjusts_a_balance_with_a_reason(city: Client) -> None:
    answer = await city.post(
        "/ledger/adjustments",
        {"account": "bob", "amount": "2.00", "direction": "credit", "reason": "lost voucher"},
        as_="mayor",
    )
    assert answer.status_code == 201
    assert answer.json()["legs"] == [
        {
            "debit": "system:adjustments",
            "credit": "member:bob",
            "amount": "2.00",
            "purpose": "amount",
        }
    ]
    assert (await city.get("/ledger/account", as_="bob")).json()["balance"] == "2.00"


async def test_an_adjustment_names_the_transfer_it_corrects(city: Client) -> None:
    await pay(city, "alice", "bob", "30.00", id="typo")
    answer = await city.post(
        "/ledger/adjustments",
        {
            "account": "bob",
            "amount": "27.00",
            "direction": "debit",
            "reason": "meant 3.00",
            "corrects": "typo",
        },
        as_="mayor",
    )
    assert answer.json()["corrects"] == "typo"


async def test_an_admin_raises_a_credit_limit_and_the_member_can_spend_it(city: Client) -> None:
    answer = await city.post(
        "/ledger/limits",
        {"account": "alice", "credit_limit": "250.00", "reason": "runs the bakery"},
        as_="mayor",
    )
    assert answer.status_code == 200
    assert (answer.json()["credit_limit"], answer.json()["max_balance"]) == ("250.00", None)
    await pay(city, "alice", "bob", "250.00")


async def test_a_limit_below_the_current_balance_is_refused_with_409(city: Client) -> None:
    await pay(city, "alice", "bob", "60.00")
    answer = await city.post(
        "/ledger/limits", {"account": "alice", "credit_limit": "50.00", "reason": "r"}, as_="mayor"
    )
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "limit_below_balance"


async def test_a_fee_shows_on_the_transfer(api) -> None:  # type: ignore[no-untyped-def]
    city: Client = await api(currency={"credit_limit": "100.00", "fee_bps": 100})
    city.member("alice")
    city.member("bob")
    body = await pay(city, "alice", "bob", "10.00")
    assert (body["amount"], body["fee"]) == ("10.00", "0.10")
    assert (await city.get("/ledger/account", as_="alice")).json()["balance"] == "-10.10"
