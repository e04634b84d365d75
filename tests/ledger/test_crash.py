"""A city killed (SIGKILL) while payments stream in: each payment happened whole or not at all.

A real `comptoir serve` process receives payments from four concurrent clients; when enough
have been acknowledged it is killed with SIGKILL, so some payments are cut off inside their
transaction. After a restart: `comptoir ledger check` passes, every acknowledged payment is
stored with exactly the amount sent, nothing is stored that was not sent, and retrying the
unacknowledged ones with their ids makes the stored set exactly the sent set, paid once each.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from api.auth import issue_token
from exchange import ledger
from instance.database import Database
from models import Transfer, TransferLeg

from ..conftest import write_config
from ..live import free_port_socket
from .conftest import Book

COMPTOIR = str(Path(sys.executable).with_name("comptoir"))
NAMES = ("ana", "ben", "cleo")
CLIENTS = 4
#: acknowledged payments before the kill: enough that four clients always have some in flight
ACKNOWLEDGED = 60


def amount_of(public_id: str) -> int:
    """Each payment's amount follows from its id, so the stored legs can be checked one by one."""
    return 100 + sum(map(ord, public_id)) % 900


class Server:
    def __init__(self, config: Path, port: int) -> None:
        self.config, self.port = config, port
        self.proc: subprocess.Popen[bytes] | None = None
        #: the server's log, for the failure message of an unexpected answer
        self.log = config.parent / "serve.log"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [COMPTOIR, "serve", "--config", str(self.config), "--log-level", "WARNING"],
                stdout=log,
                stderr=log,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        pytest.fail("serve did not answer")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


class Stream:
    """Clients paying as fast as the server answers, remembering what was sent and acknowledged."""

    def __init__(self, port: int, tokens: dict[str, str], log: Path) -> None:
        self.log = log
        self.url = f"http://127.0.0.1:{port}/api/comptoir/v1/ledger/transfers"
        self.tokens = tokens
        self.sent: dict[str, tuple[str, str]] = {}
        self.acknowledged: set[str] = set()
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def run(self, client: int) -> None:
        with httpx.Client(timeout=10) as http:
            for n in range(100_000):
                if self.stop.is_set():
                    return
                public_id = f"k{client}-{n}"
                payer, payee = NAMES[n % 3], NAMES[(n + 1 + client) % 3]
                if payer == payee:
                    payee = NAMES[(n + 1) % 3]
                with self.lock:
                    self.sent[public_id] = (payer, payee)
                try:
                    answer = pay(http, self.url, self.tokens[payer], public_id, payee)
                except httpx.TransportError:
                    return  # the server is gone
                assert answer.status_code == 201, f"{answer.text}\n{self.log.read_text()[-3000:]}"
                with self.lock:
                    self.acknowledged.add(public_id)


def pay(http: httpx.Client, url: str, token: str, public_id: str, payee: str) -> httpx.Response:
    body = {"id": public_id, "to": payee, "amount": f"{amount_of(public_id) / 100:.2f}"}
    return http.post(url, json=body, headers={"Authorization": f"Bearer {token}"})


def stored(db: Database) -> dict[str, list[int]]:
    rows = db.read_sync(
        lambda s: s.execute(
            select(Transfer.public_id, TransferLeg.amount).join(
                TransferLeg, TransferLeg.transfer_id == Transfer.id
            )
        ).all()
    )
    found: dict[str, list[int]] = {}
    for public_id, amount in rows:
        found.setdefault(public_id, []).append(amount)
    return found


@pytest.mark.slow
def test_a_killed_city_keeps_every_acknowledged_payment_and_no_half_payment(
    tmp_path: Path,
    db: Database,
) -> None:
    sock = free_port_socket()
    port = sock.getsockname()[1]
    sock.close()
    config = write_config(
        tmp_path / "city",
        domain=f"127.0.0.1:{port}",
        database_url=db.url,
        currency={"credit_limit": "1000000.00"},
    )
    book = Book(db)
    for name in NAMES:
        book.member(name)
    tokens = {name: db.write_sync(lambda s, n=name: issue_token(s, n)) for name in NAMES}

    server = Server(config, port)
    server.start()
    stream = Stream(port, tokens, server.log)
    clients = [threading.Thread(target=stream.run, args=(c,)) for c in range(CLIENTS)]
    try:
        for thread in clients:
            thread.start()
        deadline = time.monotonic() + 60
        while len(stream.acknowledged) < ACKNOWLEDGED and time.monotonic() < deadline:
            time.sleep(0.01)
        server.kill()
        stream.stop.set()
        for thread in clients:
            thread.join(timeout=30)
        assert len(stream.acknowledged) >= ACKNOWLEDGED

        server.start()
        check = subprocess.run(
            [COMPTOIR, "ledger", "check", "--config", str(config)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert check.returncode == 0, check.stderr

        after_crash = stored(db)
        assert stream.acknowledged <= set(after_crash), "every acknowledged payment survived"
        assert set(after_crash) <= set(stream.sent), "nothing stored that was not sent"
        for public_id, legs in after_crash.items():
            assert legs == [amount_of(public_id)], f"{public_id} is whole"

        lost = set(stream.sent) - stream.acknowledged
        assert lost, "the kill cut off payments in flight"
        with httpx.Client(timeout=10) as http:
            for public_id in sorted(lost):
                payer, payee = stream.sent[public_id]
                retry = pay(http, stream.url, tokens[payer], public_id, payee)
                expected = 200 if public_id in after_crash else 201
                assert retry.status_code == expected, retry.text
    finally:
        stream.stop.set()
        server.stop()

    assert set(stored(db)) == set(stream.sent), "after retries, every payment sent is stored once"
    report = db.read_sync(ledger.check_ledger)
    assert report.ok, report.violations
    assert report.transfers == len(stream.sent)
