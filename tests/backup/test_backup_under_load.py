"""A backup taken while the city takes payments and signed inbox traffic brings back everything
that was acknowledged before it started, on each backend.

City A is a real city on loopback; city B plays a remote server whose member bob signs Likes
for A's inbox. Payments are made in A's own process through the ledger, as the API makes them;
the backup runs in a thread meanwhile, and the restored city is read by its own app.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import select

from exchange import ledger, members
from instance.database import Database
from instance.settings import load_settings
from models import InboundActivity, Transfer
from server.app import create_app

from ..cli import Cli, comptoir
from ..e2e.helpers import add_member
from ..e2e.test_inbox_security import Remote, post, signed
from .conftest import store_photo


class Traffic:
    """Payments and inbox POSTs in a loop; each one noted with the moment it was acknowledged."""

    def __init__(self, a: Any, remote: Remote) -> None:
        self.a, self.remote = a, remote
        self.payments: list[tuple[str, float]] = []
        self.activities: list[tuple[str, float]] = []
        self.stop = asyncio.Event()

    async def pay(self) -> None:
        currency = self.a.settings.currency
        n = 0
        while not self.stop.is_set():
            n += 1
            payer, payee = ("alice", "carol") if n % 2 else ("carol", "alice")
            public_id = f"p{n}"
            await self.a.db.write(
                lambda s, payer=payer, payee=payee, public_id=public_id: ledger.pay(
                    s, currency, members.get_member(s, payer), payee, 100, public_id=public_id
                )
            )
            self.payments.append((public_id, time.monotonic()))

    async def deliver(self) -> None:
        while not self.stop.is_set():
            activity = self.remote.activity()
            body = orjson.dumps(activity)
            answer = await post(self.a, body, signed(self.a, self.remote, body))
            assert answer.status_code == 202, answer.text
            self.activities.append((activity["id"], time.monotonic()))
            await asyncio.sleep(0.05)  # a steady trickle: the worker handles each one

    @staticmethod
    def before(noted: list[tuple[str, float]], moment: float) -> set[str]:
        return {key for key, at in noted if at < moment}


def restored_rows(config: Path) -> tuple[set[str], set[str]]:
    database = Database(load_settings(config).database_url, threads=1)
    try:
        return database.read_sync(
            lambda s: (
                set(s.scalars(select(Transfer.public_id))),
                set(s.scalars(select(InboundActivity.uri))),
            )
        )
    finally:
        database.dispose()


async def test_a_backup_under_payments_and_inbox_traffic_restores_every_acknowledged_one(
    start_city: Any, tmp_path: Path, fresh_database: str | None
) -> None:
    a, b = await start_city(), await start_city(run_worker=False)
    add_member(a, "alice")
    add_member(a, "carol")
    add_member(b, "bob")
    photo = store_photo(a.settings)
    traffic = Traffic(a, Remote(b))
    tasks = [asyncio.create_task(traffic.pay()), asyncio.create_task(traffic.deliver())]
    archive = tmp_path / "city.tar.gz"
    try:
        while len(traffic.payments) < 20 or len(traffic.activities) < 10:
            for task in tasks:
                if task.done():
                    task.result()  # a loop that stopped early says why
            await asyncio.sleep(0.01)
        started = time.monotonic()
        done = await asyncio.to_thread(
            comptoir, a.settings.path, "backup", "--output", str(archive)
        )
        finished = time.monotonic()
    finally:
        traffic.stop.set()
        await asyncio.gather(*tasks)
    assert done.returncode == 0, done.stderr
    during = [at for _, at in traffic.payments if started <= at <= finished]
    assert during, "payments went on while the backup ran"

    into = tmp_path / "restored"
    extra = ["--database-url", fresh_database] if fresh_database else []
    restored = comptoir(
        tmp_path / "unused.toml", "restore", str(archive), "--into", str(into), *extra
    )
    assert restored.returncode == 0, restored.stderr
    config = into / "instance.toml"

    check = Cli(config)("ledger", "check")
    assert check.returncode == 0, check.stderr
    transfers, activities = restored_rows(config)
    assert Traffic.before(traffic.payments, started) <= transfers
    assert Traffic.before(traffic.activities, started) <= activities

    app = create_app(load_settings(config), run_worker=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=a.settings.base_url
    ) as http:
        served = await http.get(f"/media/{photo}")
    app.state.city.db.dispose()
    assert served.status_code == 200
    assert served.content == (a.settings.data_dir / "media" / photo).read_bytes()
