"""The settlement's background work: the sweep, and asking the payer city about a stale hold.

`settlement.sweep` runs at each settlement's decision deadline (payer) or hold expiry (payee), and
again every `settlement.sweep_seconds` while anything is open or unacknowledged
(services/settlement_recovery.py `sweep`). `settlement.ask` fetches the payer city's Settlement
object with a signed GET and follows the decision it serves; while that city cannot be reached the
hold is kept, the row says so, and the question is asked again. `settlement.reconcile` compares our
statement of committed settlements with each partner's (exchange/reconciliation.py) every
`settlement.reconcile_seconds`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from exchange import partners, reconciliation
from exchange import settlements as domain
from federation.authority import origin_base
from federation.errors import FetchError
from instance import queue
from instance.outcomes import RetryLater
from models import Job, Reconciliation, utcnow
from outbox.settlement_documents import statement_url

from . import settlement_outcomes, settlement_recovery

RECONCILE = "settlement.reconcile"

if TYPE_CHECKING:
    from instance.city import City
    from instance.jobs import JobHandler


async def sweep(city: City, job: Job) -> None:
    def work(session: Session) -> None:
        settlement_recovery.sweep(session, city)
        queue.finish(session, Job, [job.id], job.locked_by or "")

    await city.db.write(work)


async def ask(city: City, job: Job) -> None:
    public_id = str(job.payload.get("settlement", ""))
    row = await city.db.read(lambda s: domain.find(s, public_id))
    if row.state.value != "prepared":
        return
    retry = float(city.settings.settlement.sweep_seconds)
    try:
        document = await city.fediverse.directory.fetch(row.uri)
    except FetchError as exc:
        if exc.status in (404, 410):
            await city.db.write(lambda s: settlement_recovery.forget_unknown(s, public_id))
            return
        reason = str(exc)
        await city.db.write(lambda s: settlement_recovery.mark_unreachable(s, public_id, reason))
        raise RetryLater(f"the payer city did not answer: {reason}", after=retry) from None
    decision = await city.db.write(
        lambda s: settlement_recovery.follow_decision(s, city, public_id, document)
    )
    if decision == "pending":
        raise RetryLater("the payer city has not decided yet", after=retry)


async def reconcile_all(city: City) -> list[Reconciliation]:
    """Compare our statement with every partner's, now; one recorded outcome per partner."""
    known = await city.db.read(lambda s: [p.partner for p in partners.partnerships(s)])
    outcomes = []
    for partner in known:
        url = statement_url(origin_base(partner))
        theirs: reconciliation.Statement | None = None
        detail = ""
        try:
            theirs = reconciliation.parse_statement(await city.fediverse.directory.fetch(url))
        except (FetchError, ValueError) as exc:
            detail = f"the partner's statement could not be read: {exc}"
        outcomes.append(await city.db.write(_comparison(partner, theirs, detail)))
    return outcomes


def _comparison(
    partner: str, theirs: reconciliation.Statement | None, detail: str
) -> Callable[[Session], Reconciliation]:
    return lambda session: reconciliation.compare(session, partner, theirs, detail=detail)


async def reconcile(city: City, job: Job) -> None:
    await reconcile_all(city)
    every = timedelta(seconds=city.settings.settlement.reconcile_seconds)

    def next_run(session: Session) -> None:
        queue.finish(session, Job, [job.id], job.locked_by or "")
        schedule_reconciliation(session, run_at=utcnow() + every)

    await city.db.write(next_run)


def schedule_reconciliation(session: Session, *, run_at: datetime) -> None:
    """Queue the comparison (one at a time: the key)."""
    queue.enqueue(session, RECONCILE, {}, run_at=run_at, key=RECONCILE)


HANDLERS: dict[str, JobHandler] = {
    settlement_outcomes.SWEEP: sweep,
    settlement_recovery.ASK: ask,
    RECONCILE: reconcile,
}
