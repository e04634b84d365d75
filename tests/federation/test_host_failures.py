"""Failed deliveries counted per host when several workers fail on the same host at once."""

from __future__ import annotations

import threading

from sqlalchemy import select

from exchange.hosts import record_failure
from instance.database import Database
from models import Host, utcnow


def test_failures_recorded_at_once_for_a_new_host_are_all_counted(db: Database) -> None:
    """Two workers whose deliveries to a host never seen before fail at the same moment:
    neither job fails on the host's unique authority, and both failures count."""
    hosts = [f"down-{n}.example" for n in range(10)]
    errors: list[BaseException] = []

    def fail_all(start: threading.Barrier) -> None:
        for authority in hosts:
            start.wait()
            try:
                db.write_sync(lambda s, a=authority: record_failure(s, a, utcnow()))
            except BaseException as exc:  # noqa: BLE001 (collected for the assertion)
                errors.append(exc)

    start = threading.Barrier(2)
    workers = [threading.Thread(target=fail_all, args=(start,)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    counted = db.read_sync(lambda s: dict(s.execute(select(Host.authority, Host.failures)).all()))
    assert counted == dict.fromkeys(hosts, 2)
