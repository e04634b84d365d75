"""Any number of processes start at the same moment on one new PostgreSQL database.

Each host does what its service unit does (docs/DEPLOYMENT.md): `comptoir db upgrade`, then
`serve` or `worker`. Started together on an empty database they race on the migrations and on
the rows every process makes sure of at start-up (the service actors, the singleton jobs).
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from instance.database import Database
from models import Job, ServiceActor

from ..conftest import Schemas, postgresql_only, write_config
from .cluster import Process, comptoir, free_port, spawn, wait_healthy, wait_worker_started


@pytest.fixture
def schemas() -> Iterator[Schemas]:
    made = Schemas()
    yield made
    made.drop_all()


def upgrade_then(config: Path, *command: str) -> list[str]:
    upgrade = shlex.join(comptoir("db", "upgrade", "--config", str(config)))
    return ["sh", "-c", f"{upgrade} && exec {shlex.join(comptoir(*command))}"]


@postgresql_only
def test_four_processes_started_at_once_on_a_new_database_all_come_up(
    backend: str, schemas: Schemas, tmp_path: Path
) -> None:
    url = schemas.new_url()
    config = write_config(
        tmp_path,
        domain=f"127.0.0.1:{free_port()}",
        database_url=url,
        workers={"in_process": False},
    )
    ports = [free_port(), free_port()]
    webs = [
        spawn(
            f"web{n}",
            upgrade_then(config, "serve", "--config", str(config), "--port", str(port)),
            tmp_path,
        )
        for n, port in enumerate(ports)
    ]
    workers = [
        spawn(f"worker{n}", upgrade_then(config, "worker", "--config", str(config)), tmp_path)
        for n in range(2)
    ]
    processes: list[Process] = [*webs, *workers]
    try:
        for web, port in zip(webs, ports, strict=True):
            wait_healthy(web, port)
        for worker in workers:
            wait_worker_started(worker)
        assert all(p.alive for p in processes), [p.output() for p in processes if not p.alive]
        database = Database(url, threads=1)
        try:
            actors = database.read_sync(lambda s: sorted(s.scalars(select(ServiceActor.name))))
            singletons = database.read_sync(
                lambda s: s.execute(
                    select(Job.key, func.count()).where(Job.key.is_not(None)).group_by(Job.key)
                ).all()
            )
        finally:
            database.dispose()
        assert actors == ["actor", "market"]
        assert all(count == 1 for _key, count in singletons)
    finally:
        for process in processes:
            process.stop()
    for process in processes:
        assert "Traceback" not in process.output(), process.output()
