"""Publishing's background work, by job kind: delivering activities and probing unavailable hosts.

A function of the city rather than a constant map, because the delivery handler keeps
per-city caches (activity bodies, failing and unavailable hosts) for its whole life.
"""

from __future__ import annotations

from instance.city import City
from instance.jobs import JobFailureHook, JobHandler

from . import undelivered
from .availability import PROBE, probe
from .delivery import Deliverer
from .publish import DELIVER

#: a delivery given up on is recorded where its member and the admin see it
FAILURE_HOOKS: dict[str, JobFailureHook] = {DELIVER: undelivered.record}


def handlers(city: City) -> dict[str, JobHandler]:
    return {DELIVER: Deliverer(city), PROBE: probe}
