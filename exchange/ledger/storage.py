"""Writing a checked transfer: its row, its legs and the new totals of its (locked) accounts.

Why two ways: on PostgreSQL every statement is a network round trip, and a payment's
budget (bench/ledger.py: 500 a second from one client) does not leave room for three of
them, so the three writes go as one statement (data-modifying CTEs). SQLite runs in
process, has no data-modifying CTEs, and takes the three statements at no such cost. Both
write the same rows; the whole test suite runs on both.

Statements go to `session.connection()` (the session's own transaction) rather than
`session.execute`, skipping the ORM layer that plain Core statements do not need.

In both, a `public_id` already taken inserts nothing at all (ON CONFLICT DO NOTHING, and the
legs and totals hang on the inserted row), and the caller answers with the stored transfer.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import TextualSelect, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from models import Transfer, TransferLeg, table_of

from .accounts import Locked, forget, save

_TRANSFERS = table_of(Transfer)
_TRANSFER_COLUMNS = (
    "public_id",
    "kind",
    "fingerprint",
    "pending",
    "expires_at",
    "memo",
    "reference",
    "corrects_id",
    "created_by_id",
    "created_at",
)

_SQLITE_INSERT = (
    sqlite.insert(_TRANSFERS)
    .on_conflict_do_nothing(index_elements=["public_id"])
    .returning(*_TRANSFERS.c)
)
_INSERT_LEGS = table_of(TransferLeg).insert()


def store(
    session: Session, values: dict[str, Any], legs: Sequence[Any], accounts: Iterable[Locked]
) -> Any:
    """Insert the transfer and its legs and save the accounts; the new row, or None if the id
    is taken.
    """
    if session.get_bind().dialect.name == "postgresql":
        return _store_in_one_statement(session, values, legs, list(accounts))
    row = session.connection().execute(_SQLITE_INSERT, values).one_or_none()
    if row is None:
        return None
    session.connection().execute(
        _INSERT_LEGS,
        [
            {
                "transfer_id": row.id,
                "position": n,
                "debit_account_id": leg.debit,
                "credit_account_id": leg.credit,
                "amount": leg.amount,
                "purpose": leg.purpose,
            }
            for n, leg in enumerate(legs)
        ],
    )
    save(session, accounts)
    return row


def _store_in_one_statement(
    session: Session, values: dict[str, Any], legs: Sequence[Any], accounts: list[Locked]
) -> Any:
    params: dict[str, Any] = {**values, "kind": values["kind"].value}
    for n, leg in enumerate(legs):
        params.update(
            {
                f"d{n}": leg.debit,
                f"c{n}": leg.credit,
                f"a{n}": leg.amount,
                f"u{n}": leg.purpose.value,
            }
        )
    for n, a in enumerate(accounts):
        params.update(
            {
                f"id{n}": a.id,
                f"dp{n}": a.debits_posted,
                f"cp{n}": a.credits_posted,
                f"dq{n}": a.debits_pending,
                f"cq{n}": a.credits_pending,
            }
        )
    row = (
        session.connection().execute(_pg_statement(len(legs), len(accounts)), params).one_or_none()
    )
    if row is not None:
        forget(session, [a.id for a in accounts])
    return row


@functools.cache
def _pg_statement(legs: int, accounts: int) -> TextualSelect:
    leg_rows = ", ".join(
        f"({n}, CAST(:d{n} AS INTEGER), CAST(:c{n} AS INTEGER), CAST(:a{n} AS BIGINT), "
        f"CAST(:u{n} AS VARCHAR))"
        for n in range(legs)
    )
    total_rows = ", ".join(
        f"(CAST(:id{n} AS INTEGER), CAST(:dp{n} AS BIGINT), CAST(:cp{n} AS BIGINT), "
        f"CAST(:dq{n} AS BIGINT), CAST(:cq{n} AS BIGINT))"
        for n in range(accounts)
    )
    columns = ", ".join(_TRANSFER_COLUMNS)
    placeholders = ", ".join(f":{c}" for c in _TRANSFER_COLUMNS)
    return text(f"""
        WITH t AS (
            INSERT INTO transfers ({columns}) VALUES ({placeholders})
            ON CONFLICT (public_id) DO NOTHING
            RETURNING *
        ), legs AS (
            INSERT INTO transfer_legs
                (transfer_id, position, debit_account_id, credit_account_id, amount, purpose)
            SELECT t.id, v.position, v.debit, v.credit, v.amount, v.purpose
            FROM t, (VALUES {leg_rows}) AS v(position, debit, credit, amount, purpose)
        ), totals AS (
            UPDATE accounts SET debits_posted = v.dp, credits_posted = v.cp,
                                debits_pending = v.dq, credits_pending = v.cq
            FROM t, (VALUES {total_rows}) AS v(id, dp, cp, dq, cq)
            WHERE accounts.id = v.id
        )
        SELECT * FROM t
    """).columns(*_TRANSFERS.c)
