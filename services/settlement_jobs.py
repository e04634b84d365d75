"""The settlement's background work: the sweep, and asking the payer city about a stale hold.

`settlement.sweep` runs at each settlement's decision deadline (payer) or hold expiry
(payee), and again every `settlement.sweep_seconds` while anything is open or unacknowledged
(services/settlements.py `sweep`). `settlement.ask` fetches the payer city's Settlement object
with a signed GET and follows the decision it serves; while that city cannot be reached the
hold is kept, the row says so, and the question is asked again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from exchange import settlements as domain
from federation.errors import FetchError
from instance import queue
from instance.outcomes import RetryLater
from models import Job

from . import settlements

if TYPE_CHECKING:
    from instance.city import City
    from instance.jobs import JobHandler


async def sweep(city: City, job: Job) -> None:
    def work(session: Session) -> None:
        settlements.sweep(session, city)
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
            await city.db.write(lambda s: settlements.forget_unknown(s, public_id))
            return
        reason = str(exc)
        await city.db.write(lambda s: settlements.mark_unreachable(s, public_id, reason))
        raise RetryLater(f"the payer city did not answer: {reason}", after=retry) from None
    decision = await city.db.write(
        lambda s: settlements.follow_decision(s, city, public_id, document)
    )
    if decision == "pending":
        raise RetryLater("the payer city has not decided yet", after=retry)


HANDLERS: dict[str, JobHandler] = {settlements.SWEEP: sweep, settlements.ASK: ask}
