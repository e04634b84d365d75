"""Outbound delivery: fan-out latency to 1,000 followers, and sustained signed deliveries per second.

    .venv/bin/python -m bench.delivery [--deliveries 5000]

A sink process (pinned to CPU 1) listens on 10 loopback ports with 10 inbox paths each: 100
shared inboxes that answer 202. The city (SQLite, the real worker and delivery handler) runs
in this process, pinned to CPU 0.
  1. fan-out: alice has 1,000 followers spread over the 100 inboxes; one note is published and
     the clock runs from its commit until the sink has counted all 100 deliveries (shared
     inboxes collapse 1,000 followers into 100 POSTs).
  2. sustained: N deliveries queued at once; deliveries/s of the worker, each one signed just
     before sending. Baseline, same run: the same FederationClient's POST session (aiohttp)
     sending the same bodies to the same inboxes unsigned, at the worker's concurrency; and,
     for comparison, the same through its httpx clients (the GET path).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from .common import row

SINK = '''
import asyncio, os, sys
count = 0
class Inbox(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        self.buffer = b""
    def data_received(self, data):
        global count
        self.buffer += data
        while True:
            head, sep, rest = self.buffer.partition(b"\\r\\n\\r\\n")
            if not sep:
                return
            length = 0
            for line in head.split(b"\\r\\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if len(rest) < length:
                return
            self.buffer = rest[length:]
            if head.startswith(b"GET /count"):
                body = str(count).encode()
                self.transport.write(b"HTTP/1.1 200 OK\\r\\ncontent-length: %d\\r\\n\\r\\n%s" % (len(body), body))
            else:
                count += 1
                self.transport.write(b"HTTP/1.1 202 Accepted\\r\\ncontent-length: 0\\r\\n\\r\\n")
async def main(ports):
    loop = asyncio.get_running_loop()
    for port in ports:
        await loop.create_server(Inbox, "127.0.0.1", port, backlog=1024)
    await asyncio.Event().wait()
asyncio.run(main([int(p) for p in sys.argv[1:]]))
'''


def free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    for sock in socks:
        sock.bind(("127.0.0.1", 0))
    ports = [int(s.getsockname()[1]) for s in socks]
    for sock in socks:
        sock.close()
    return ports


async def sink_count(port: int) -> int:
    """Ask the sink how many deliveries it has received (a raw request: no client set-up cost)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /count HTTP/1.1\r\nhost: sink\r\ncontent-length: 0\r\n\r\n")
    head = await reader.readuntil(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    body = await reader.readexactly(length)
    writer.close()
    return int(body)


async def run(deliveries: int, concurrency: int) -> None:
    from sqlalchemy import select

    from exchange import members
    from federation.keys import generate_rsa_pem
    from instance import migrate, queue
    from instance.init import init_instance
    from instance.settings import load_settings
    from instance.worker import Worker
    from models import Direction, Follow, FollowState, OutboundActivity, RemoteActor
    from outbox.publish import DELIVER
    from server.app import build_city, build_queues, start
    from services import social

    ports = free_ports(10)
    inboxes = [f"http://127.0.0.1:{port}/inbox/{n}" for port in ports for n in range(10)]
    with tempfile.TemporaryDirectory() as tmp:
        sink_file = Path(tmp) / "sink.py"
        sink_file.write_text(SINK)
        sink = subprocess.Popen(["taskset", "-c", "1", sys.executable, str(sink_file), *map(str, ports)])
        config = Path(tmp) / "instance.toml"
        init_instance(config, domain="127.0.0.1:8999", name="Bench", allow_loopback_http=True)
        settings = load_settings(config)
        migrate.upgrade(settings.database_url)
        city = build_city(settings, with_worker=False)
        await start(city)
        credentials = members.prepare_credentials("bench password!")
        alice = city.db.write_sync(lambda s: members.add_member(s, "alice", credentials))
        pem = generate_rsa_pem()[1]

        def followers(session):  # type: ignore[no-untyped-def]
            for n in range(1000):
                inbox = inboxes[n % 100]
                uri = f"{inbox.rsplit('/inbox', 1)[0]}/users/f{n}"
                actor = RemoteActor(uri=uri, domain=uri.split("/")[2], type="Person", preferred_username=f"f{n}",
                                    inbox=f"{uri}/inbox", shared_inbox=inbox, key_id=f"{uri}#main-key",
                                    public_key_pem=pem)
                session.add(actor)
                session.flush()
                session.add(Follow(local_actor=city.urls.member("alice"), remote_actor_id=actor.id,
                                   direction=Direction.inbound, state=FollowState.accepted,
                                   activity_uri=f"{uri}#follow"))

        city.db.write_sync(followers)
        worker = Worker(city.db, build_queues(city), concurrency=concurrency)
        city.worker = worker
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))
        while True:
            try:
                await sink_count(ports[0])
                break
            except OSError:
                await asyncio.sleep(0.05)

        # 1. fan-out of one note to 1,000 followers
        started = time.perf_counter()
        await city.db.write(lambda s: social.post_note(s, city, alice, "Fresh bread at the market"))
        while await sink_count(ports[0]) < 100:
            await asyncio.sleep(0.002)
        fan_out = time.perf_counter() - started

        # 2. sustained: `deliveries` queued at once
        activity_id = city.db.read_sync(lambda s: s.scalar(select(OutboundActivity.id)))
        body = city.db.read_sync(lambda s: s.get(OutboundActivity, activity_id).body).encode()
        before = await sink_count(ports[0])
        jobs = [{"kind": DELIVER, "payload": {"activity": activity_id, "inbox": inboxes[i % 100]}}
                for i in range(deliveries)]
        started, cpu = time.perf_counter(), time.process_time()
        await city.db.write(lambda s: queue.enqueue_many(s, jobs))
        while await sink_count(ports[0]) < before + deliveries:
            await asyncio.sleep(0.05)
        signed_rate = deliveries / (time.perf_counter() - started)
        signed_cpu = (time.process_time() - cpu) / deliveries * 1e6
        stop.set()
        await task

        # baseline: the same client, unsigned, same bodies, same concurrency
        client = city.fediverse.client
        semaphore = asyncio.Semaphore(concurrency)

        async def send(inbox: str) -> None:
            async with semaphore:
                http = client._post_session()  # noqa: SLF001 - the very same session and pool
                async with http.post(inbox, data=body, headers={"Content-Type": "application/activity+json"}) as answer:
                    await answer.read()
                    answer.raise_for_status()

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(send(inboxes[i % 100]) for i in range(deliveries)))
        unsigned_rate = deliveries / (time.perf_counter() - started)
        unsigned_cpu = (time.process_time() - cpu) / deliveries * 1e6

        # why POSTs do not go through httpx: its pooled clients, unsigned, same concurrency
        async def send_httpx(inbox: str) -> None:
            async with semaphore:
                http = client._client_for(httpx.URL(inbox))  # noqa: SLF001 - the GET pool
                answer = await http.post(inbox, content=body, headers={"Content-Type": "application/activity+json"})
                answer.raise_for_status()

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(send_httpx(inboxes[i % 100]) for i in range(deliveries)))
        httpx_rate = deliveries / (time.perf_counter() - started)
        httpx_cpu = (time.process_time() - cpu) / deliveries * 1e6
        await city.fediverse.aclose()
        city.db.dispose()
        sink.terminate()
        sink.wait()

    print(f"bench/delivery.py: worker concurrency {concurrency}, city on CPU 0, sink on CPU 1")
    print(f"  {'fan-out: 1 note to 1,000 followers on 100 inboxes, all delivered':<58} {fan_out * 1000:>10,.0f} ms")
    row("baseline: unsigned POSTs, same client and concurrency", unsigned_rate, "/s")
    row(f"sustained signed deliveries by the worker ({deliveries})", signed_rate, "/s", unsigned_rate)
    print(f"  {'client CPU per delivery: unsigned baseline / signed worker':<58} {unsigned_cpu:>6,.0f} / "
          f"{signed_cpu:,.0f} us  ({unsigned_cpu / signed_cpu:.2f}x)")
    row("for comparison: unsigned POSTs through httpx's pooled clients", httpx_rate, "/s", unsigned_rate)
    print(f"  {'client CPU per unsigned POST: aiohttp / httpx':<58} {unsigned_cpu:>6,.0f} / {httpx_cpu:,.0f} us")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deliveries", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    os.sched_setaffinity(0, {0})
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(run(args.deliveries, args.concurrency))


if __name__ == "__main__":
    main()
