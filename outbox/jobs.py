"""Publishing's background work, by job kind: delivering activities and probing unavailable hosts.

A function of the city rather than a constant map, because the delivery handler keeps
per-city caches (activity bodies, failing and unavailable hosts) for its whole life.
"""

from __future__ import annotations

from instance.city import City
from instance.jobs import JobHandler

from .availability import PROBE, probe
from .delivery import Deliverer
from .publish import DELIVER


def handlers(city: City) -> dict[str, JobHandler]:
    return {DELIVER: Deliverer(city), PROBE: probe}
