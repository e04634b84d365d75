"""Refused payments: a clear error (code and message) and not one row written."""

from __future__ import annotations

from typing import Any

from exchange import members

from .conftest import Client


async def refused(
    city: Client, body: Any, *, as_: str = "alice", path: str = "/ledger/transfers"
) -> dict[str, str]:
    """Send the request; assert it was refused without writing, and return the error."""
    before = city.book.rows()
    answer = await city.post(path, body, as_=as_)
    assert 400 <= answer.status_code < 500, answer.text
    assert city.book.rows() == before, "nothing written"
    error = answer.json()["error"]
    assert error["message"], "a message for people"
    return {"status": str(answer.status_code), **error}


async def test_a_negative_amount_is_refused(city: Client) -> None:
    error = await refused(city, {"to": "bob", "amount": "-5.00"})
    assert (error["status"], error["code"]) == ("400", "amount_not_positive")


async def test_a_zero_amount_is_refused(city: Client) -> None:
    error = await refused(city, {"to": "bob", "amount": "0.00"})
    assert (error["status"], error["code"]) == ("400", "amount_not_positive")


async def test_more_decimals_than_the_currency_has_are_refused(city: Client) -> None:
    error = await refused(city, {"to": "bob", "amount": "1.005"})
    assert (error["status"], error["code"]) == ("400", "too_many_decimals")
    assert "more than 2 decimal places" in error["message"]


async def test_an_amount_sent_as_a_json_number_is_refused(city: Client) -> None:
    error = await refused(city, {"to": "bob", "amount": 0.1})
    assert (error["status"], error["code"], error["message"]) == (
        "400",
        "invalid_field",
        "amount must be a string",
    )


async def test_an_amount_that_is_not_a_number_is_refused(city: Client) -> None:
    error = await refused(city, {"to": "bob", "amount": "1e3"})
    assert error["code"] == "invalid_amount"


async def test_an_unknown_payee_is_refused(city: Client) -> None:
    error = await refused(city, {"to": "nobody", "amount": "1.00"})
    assert (error["status"], error["code"], error["message"]) == (
        "404",
        "not_found",
        "member 'nobody' not found",
    )


async def test_paying_oneself_is_refused(city: Client) -> None:
    error = await refused(city, {"to": "alice", "amount": "1.00"})
    assert (error["status"], error["code"]) == ("422", "cannot_pay_yourself")


async def test_a_suspended_member_cannot_pay(city: Client) -> None:
    city.book.db.write_sync(lambda s: members.suspend(s, "alice", None, "spam"))
    error = await refused(city, {"to": "bob", "amount": "1.00"})
    assert (error["status"], error["code"]) == ("403", "suspended")


async def test_a_suspended_member_cannot_be_paid(city: Client) -> None:
    city.book.db.write_sync(lambda s: members.suspend(s, "bob", None, "spam"))
    error = await refused(city, {"to": "bob", "amount": "1.00"})
    assert (error["status"], error["code"]) == ("422", "payee_not_active")


async def test_a_payment_over_the_credit_limit_is_refused(city: Client) -> None:
    error = await refused(city, {"to": "bob", "amount": "100.01"})
    assert (error["status"], error["code"]) == ("422", "credit_limit_exceeded")
    assert (
        error["message"]
        == "member:alice cannot pay 100.01: 100.00 available within its credit limit"
    )


async def test_a_peer_account_cannot_be_moved_outside_settlement(city: Client) -> None:
    from exchange import ledger

    city.book.db.write_sync(
        lambda s: ledger.peer_account_id(
            s, "https://b.example/actor", min_balance=-100, max_balance=100
        )
    )
    body = {
        "account": "peer:https://b.example/actor",
        "amount": "1.00",
        "direction": "credit",
        "reason": "x",
    }
    error = await refused(city, body, as_="mayor", path="/ledger/adjustments")
    assert (error["status"], error["code"]) == ("403", "settlement_only")


async def test_an_unknown_field_is_refused_rather_than_ignored(city: Client) -> None:
    error = await refused(city, {"to": "bob", "ammount": "1.00", "amount": "1.00"})
    assert (error["status"], error["code"]) == ("400", "unknown_field")


async def test_a_missing_field_is_named(city: Client) -> None:
    error = await refused(city, {"amount": "1.00"})
    assert (error["code"], error["message"]) == ("missing_field", "to is required")


async def test_a_body_that_is_not_json_is_refused(city: Client) -> None:
    before = city.book.rows()
    answer = await city.http.post(
        "/api/comptoir/v1/ledger/transfers", content=b"{to: bob", headers=city.auth("alice")
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_json"
    assert city.book.rows() == before


async def test_a_client_id_in_the_systems_namespace_is_refused(city: Client) -> None:
    error = await refused(
        city, {"id": "demurrage:2026-11:member:bob", "to": "bob", "amount": "1.00"}
    )
    assert (error["status"], error["code"]) == ("400", "invalid_transfer_id")
