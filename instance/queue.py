"""Claiming, finishing and rescheduling rows of any queue table (see models.job.QueueMixin).

PostgreSQL: `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING`, so that
any number of worker processes take disjoint rows without waiting on each other.
SQLite: the same statement inside the `BEGIN IMMEDIATE` write transaction that
`Database.write` opens, which admits one claimer at a time.

A claimed row is leased to one worker until `locked_until`. Leases are short (`LEASE`, or
the city's `workers.lease_seconds`) and a live worker renews the leases of the rows it is
still handling (`renew`, its heartbeat, a few times per lease), so a lease only runs out when
its worker died or hung, and then the row is claimable again within seconds. Finishing,
rescheduling and failing only touch rows still leased to the caller, so a worker that lost
its lease cannot overwrite the new owner's outcome.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import BindParameter, and_, bindparam, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from models import Job, JobState, QueueMixin, table_of, utcnow

from .database import note_work_queued

Q = TypeVar("Q", bound=QueueMixin)

#: first retry after this many seconds, doubling on each attempt
BACKOFF_BASE = 15.0
#: never wait longer than this between attempts
BACKOFF_CAP = 6 * 3600.0
#: a claimed row is leased this long; its live worker renews the lease before it runs out, so
#: only a dead (or hung) worker's rows become claimable again, at most this long after it died
LEASE = timedelta(seconds=30)


def backoff(attempts: int, *, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP) -> float:
    """Seconds to wait after `attempts` failed tries: capped exponential, with ±10 % jitter."""
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return delay * random.uniform(0.9, 1.1)


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    run_at: datetime | None = None,
    key: str | None = None,
    max_attempts: int = 10,
) -> None:
    """Add a job in the caller's transaction. With `key`, a second job with that key is ignored.

    Its commit wakes an in-process worker (`Database.on_work_queued`).
    """
    values = {
        "kind": kind,
        "payload": payload or {},
        "run_at": run_at or utcnow(),
        "key": key,
        "max_attempts": max_attempts,
        "state": JobState.queued,
        "attempts": 0,
        "created_at": utcnow(),
    }
    session.execute(_keyed_insert(session.get_bind().dialect.name), values)
    note_work_queued(session)


_KEYED_INSERT: dict[str, Any] = {}


def _keyed_insert(dialect: str) -> Any:
    """INSERT INTO jobs ... ON CONFLICT (key) DO NOTHING, built once per dialect (it was
    built, with its values inlined, on every call: a settlement's sweep is one per step)."""
    statement = _KEYED_INSERT.get(dialect)
    if statement is None:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = _KEYED_INSERT[dialect] = insert(table_of(Job)).on_conflict_do_nothing(
            index_elements=["key"]
        )
    return statement


def enqueue_many(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Add many keyless jobs at once (delivery fan-out); each dict has kind and payload."""
    if not rows:
        return
    now = utcnow()
    session.execute(
        table_of(Job).insert(),
        [
            {
                "kind": row["kind"],
                "payload": row.get("payload", {}),
                "run_at": row.get("run_at", now),
                "key": None,
                "max_attempts": row.get("max_attempts", 10),
                "state": JobState.queued,
                "attempts": 0,
                "created_at": now,
            }
            for row in rows
        ],
    )
    note_work_queued(session)


def claim(
    session: Session,
    table: type[Q],
    worker: str,
    limit: int,
    now: datetime | None = None,
    *,
    lease: timedelta = LEASE,
) -> list[Q]:
    """Lease up to `limit` due rows of `table` to `worker` for `lease` and return them."""
    now = now or utcnow()
    statement = _claim_statement(table, session.get_bind().dialect.name)
    values = {"now": now, "limit": limit, "worker": worker, "until": now + lease}
    return list(session.scalars(statement, values))


_CLAIMS: dict[tuple[type[Any], str], Any] = {}


def _claim_statement(table: type[Any], dialect: str) -> Any:
    """The claim of one queue table, built once per table and dialect with bound parameters
    (every worker turn claims; building it was a few per cent of a settlement's CPU)."""
    statement = _CLAIMS.get((table, dialect))
    if statement is not None:
        return statement
    now: BindParameter[datetime] = bindparam("now")
    due = (
        select(table.id)
        .where(
            or_(
                and_(table.state == JobState.queued, table.run_at <= now),
                and_(table.state == JobState.running, table.locked_until < now),
            )
        )
        .order_by(table.run_at)
        .limit(bindparam("limit"))
    )
    if dialect == "postgresql":
        # A materialized CTE, joined: as `id IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED)`
        # the planner may rescan the subquery inside a nested loop, and each rescan, skipping
        # what the last one locked, claims more rows: 20 claimed for a limit of 8 (suite).
        picked = due.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
        chosen = table.id == picked.c.id
    else:  # SQLite: the subquery runs once, inside BEGIN IMMEDIATE
        chosen = table.id.in_(due.scalar_subquery())
    statement = _CLAIMS[(table, dialect)] = (
        update(table)
        .where(chosen)
        .values(
            state=JobState.running,
            locked_by=bindparam("worker"),
            locked_until=bindparam("until"),
            attempts=table.attempts + 1,
        )
        .returning(table)
        .execution_options(synchronize_session=False)
    )
    return statement


def renew(
    session: Session,
    table: type[QueueMixin],
    worker: str,
    now: datetime | None = None,
    *,
    lease: timedelta = LEASE,
) -> int:
    """The heartbeat: extend the lease of every row `worker` is still handling (one statement).

    Returns how many rows it still holds; a row another worker took over is not touched."""
    result = session.execute(
        update(table)
        .where(table.locked_by == worker, table.state == JobState.running)
        .values(locked_until=(now or utcnow()) + lease)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _leased(table: type[Q], ids: Sequence[int], worker: str) -> Any:
    return and_(
        table.id.in_(ids),  # type: ignore[attr-defined]
        table.locked_by == worker,
        table.state == JobState.running,
    )


#: `finish`'s statement per table, built once: building it (the IN list's and the AND's
#: coercions) cost more CPU than executing it, and it runs after every worker turn
_FINISH: dict[type[Any], Any] = {}


def _finish_statement(table: type[Q]) -> Any:
    statement = _FINISH.get(table)
    if statement is None:
        rows = table_of(table)  # type: ignore[arg-type]
        where = and_(
            rows.c.id.in_(bindparam("ids", expanding=True)),
            rows.c.locked_by == bindparam("worker"),
            rows.c.state == JobState.running,
        )
        done_state = getattr(table, "DONE_STATE", None)
        if done_state is None:
            statement = delete(rows).where(where)
        else:
            statement = (
                update(rows)
                .where(where)
                .values(state=done_state, locked_by=None, locked_until=None)
            )
        statement = _FINISH[table] = statement
    return statement


def finish(session: Session, table: type[Q], ids: Sequence[int], worker: str) -> None:
    """Mark rows done: deleted, or kept in state `done` when the table keeps its history.

    A Core statement on the table, built once per table (the rows are never synchronised
    into the session anyway)."""
    if not ids:
        return
    session.execute(_finish_statement(table), {"ids": list(ids), "worker": worker})


def reschedule(
    session: Session, table: type[Q], row_id: int, worker: str, error: str, run_at: datetime
) -> None:
    session.execute(
        update(table)
        .where(_leased(table, [row_id], worker))
        .values(
            state=JobState.queued,
            run_at=run_at,
            locked_by=None,
            locked_until=None,
            last_error=error[:4000],
        )
        .execution_options(synchronize_session=False)
    )


def fail(session: Session, table: type[Q], row_id: int, worker: str, error: str) -> bool:
    """Give up on a row for good; it stays in the table with its error.

    True when the row was still the caller's (and is now failed)."""
    result = session.execute(
        update(table)
        .where(_leased(table, [row_id], worker))
        .values(state=JobState.failed, locked_by=None, locked_until=None, last_error=error[:4000])
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
