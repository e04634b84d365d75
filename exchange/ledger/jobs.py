"""The ledger's background work: the demurrage sweep and the expiry of pending transfers.

`ledger.sweep` exists only while demurrage is on. It runs at the start of each period,
charges the period that just ended (once per account and period: see
exchange/ledger/demurrage.py), expires overdue pending transfers as a backstop, and
replaces itself with the next period's run in the same transaction, so exactly one sweep
is ever queued however many processes start. `ledger.expire` is queued by whoever creates
a pending transfer with an expiry (`schedule_expiry`), for the moment it falls due.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from exchange import ledger
from instance import queue
from instance.settings import Currency
from models import Job, Transfer, utcnow

if TYPE_CHECKING:
    from instance.city import City
    from instance.jobs import JobHandler

SWEEP = "ledger.sweep"
EXPIRE = "ledger.expire"


def schedule_sweep(session: Session, currency: Currency, *, run_at: datetime | None = None) -> None:
    """Queue the sweep if demurrage is on and none is queued (the key makes it a singleton)."""
    if currency.demurrage_bps > 0:
        queue.enqueue(session, SWEEP, {}, run_at=run_at or utcnow(), key=SWEEP)


def schedule_expiry(session: Session, pending: Transfer) -> None:
    """Queue the expiry of a pending transfer for its deadline, in the caller's transaction."""
    if pending.expires_at is not None:
        queue.enqueue(
            session,
            EXPIRE,
            {"transfer": pending.public_id},
            run_at=pending.expires_at,
            key=f"{EXPIRE}:{pending.public_id}",
        )


async def sweep(city: City, job: Job) -> None:
    currency = city.settings.currency

    def work(session: Session) -> None:
        now = utcnow()
        ledger.expire_due(session, now=now)
        period = ledger.last_complete_period(now, currency.demurrage_period)
        ledger.charge_demurrage(session, currency, period, now=now)
        queue.finish(session, Job, [job.id], job.locked_by or "")
        schedule_sweep(
            session, currency, run_at=ledger.next_period_start(now, currency.demurrage_period)
        )

    await city.db.write(work)


async def expire(city: City, job: Job) -> None:
    await city.db.write(lambda s: ledger.expire_due(s, now=utcnow()))


HANDLERS: dict[str, JobHandler] = {SWEEP: sweep, EXPIRE: expire}
