"""Many payments at once through the real HTTP API: the limit holds and nothing is lost.

A real city (uvicorn on a loopback port, its thread pool of database sessions) receives the
requests concurrently; on PostgreSQL the payments really run in parallel transactions and
meet on the accounts' row locks, on SQLite they queue on the write lock.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any

from api.auth import issue_token
from exchange import ledger, members
from models import Role

from ..ledger.conftest import Book, credentials
from ..live import LiveCity

API = "/api/comptoir/v1"


def open_accounts(city: LiveCity, *names: str) -> dict[str, str]:
    tokens = {}
    for name in names:
        city.db.write_sync(
            lambda s, n=name: members.add_member(s, n, credentials(), role=Role.member)
        )
        tokens[name] = city.db.write_sync(lambda s, n=name: issue_token(s, n))
    return tokens


async def test_parallel_payments_from_one_account_never_pass_its_limit(
    start_city: Callable[..., Any],
) -> None:
    city: LiveCity = await start_city(currency={"credit_limit": "100.00"})
    tokens = open_accounts(city, "alice", "bob", "carol")

    async def pay(n: int) -> int:
        answer = await city.http.post(
            f"{API}/ledger/transfers",
            json={"id": f"c{n}", "to": "bob" if n % 2 else "carol", "amount": "7.00"},
            headers={"Authorization": f"Bearer {tokens['alice']}"},
        )
        assert answer.status_code in (201, 422), answer.text
        return answer.status_code

    statuses = Counter(await asyncio.gather(*(pay(n) for n in range(60))))
    assert statuses == {201: 14, 422: 46}, (
        "100.00 / 7.00: fourteen fit, the fifteenth would pass the limit"
    )
    book = Book(city.db, city.settings.currency)
    assert book.balance("alice") == "-98.00"
    assert book.rows()["transfers"] == 14
    assert book.check() == []


async def test_parallel_payments_between_many_accounts_lose_no_unit(
    start_city: Callable[..., Any],
) -> None:
    city: LiveCity = await start_city(currency={"credit_limit": "1000.00"})
    names = ["ana", "ben", "cleo", "dev", "eve"]
    tokens = open_accounts(city, *names)

    def parties(n: int) -> tuple[str, str]:
        payer, payee = names[n % 5], names[(n * 3 + 1) % 5]
        return (payer, names[(n + 1) % 5]) if payer == payee else (payer, payee)

    async def pay(n: int) -> None:
        payer, payee = parties(n)
        answer = await city.http.post(
            f"{API}/ledger/transfers",
            json={"id": f"m{n}", "to": payee, "amount": f"{n % 9 + 1}.25"},
            headers={"Authorization": f"Bearer {tokens[payer]}"},
        )
        assert answer.status_code == 201, answer.text

    await asyncio.gather(*(pay(n) for n in range(100)))
    expected = dict.fromkeys(names, 0)
    for n in range(100):
        payer, payee = parties(n)
        expected[payer] -= (n % 9 + 1) * 100 + 25
        expected[payee] += (n % 9 + 1) * 100 + 25
    book = Book(city.db, city.settings.currency)
    assert {n: book.account(n).balance for n in names} == expected
    report = city.db.read_sync(ledger.check_ledger)
    assert report.ok, report.violations
    assert report.transfers == 100
