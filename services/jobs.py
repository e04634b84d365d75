"""The use cases' background work, by job kind: the market's expiries and policy subscriptions."""

from __future__ import annotations

from instance.jobs import JobHandler

from . import (
    announcement_jobs,
    backfill,
    expiry,
    password_resets,
    poll_jobs,
    project_jobs,
    remote_pin_jobs,
    remote_pledges,
    settlement_jobs,
    subscriptions,
    web_push,
)

HANDLERS: dict[str, JobHandler] = {
    **announcement_jobs.HANDLERS,
    **expiry.HANDLERS,
    **subscriptions.HANDLERS,
    **backfill.HANDLERS,
    **settlement_jobs.HANDLERS,
    **password_resets.HANDLERS,
    **project_jobs.HANDLERS,
    **remote_pin_jobs.HANDLERS,
    **remote_pledges.HANDLERS,
    **poll_jobs.HANDLERS,
    **web_push.HANDLERS,
}
