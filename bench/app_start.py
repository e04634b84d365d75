"""What a Mastodon app's first calls cost a city: server CPU per request, over real HTTP.

One city runs as a deployment runs it (`comptoir serve`, its own process, on loopback). For
each endpoint an app calls when it starts (Tusky, Elk and Mastodon.py all read the
instance, then the member's credentials, preferences, lists and custom emojis), N requests,
10 at a time, with a member's token where one is needed; printed: requests per second and
the city process's CPU per request (from /proc), beside the baseline measured in the same
run: `GET /health`, the same stack answering after one `SELECT 1`.

    .venv/bin/python -m bench.app_start [--requests 1000] [--backend sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from tests.e2e.market import Resident

from .common import fresh_database, row
from .settlement import answering, cpu_seconds, serve, start

#: (path, with the member's token)
ENDPOINTS = [
    ("/health", False),
    ("/api/v1/instance", False),
    ("/api/v2/instance", False),
    ("/api/v1/accounts/verify_credentials", True),
    ("/api/v1/preferences", True),
    ("/api/v1/lists", True),
    ("/api/v1/custom_emojis", False),
]


async def run(n: int, backend: str) -> None:
    with tempfile.TemporaryDirectory() as tmp, fresh_database(backend) as url:
        unlimited = {"requests_per_5_minutes": 0, "anonymous_requests_per_5_minutes": 0}
        city = await start(Path(tmp) / "city", url, api=unlimited)
        try:
            token = Resident(city, "bob").token
            port = city.sock.getsockname()[1]
        finally:
            await city.stop()
        process = serve(Path(tmp) / "city" / "instance.toml", port)
        try:
            await answering(city.url, process)
            async with httpx.AsyncClient(base_url=city.url, timeout=60) as client:
                baseline = 0.0
                for path, signed in ENDPOINTS:
                    headers = {"Authorization": f"Bearer {token}"} if signed else {}
                    first = await client.get(path, headers=headers)  # and warm it
                    assert first.status_code == 200, (path, first.status_code, first.text)
                    gate = asyncio.Semaphore(10)

                    async def one(
                        path: str = path,
                        headers: dict[str, str] = headers,
                        gate: asyncio.Semaphore = gate,
                    ) -> None:
                        async with gate:
                            answer = await client.get(path, headers=headers)
                            assert answer.status_code == 200, (path, answer.status_code)

                    cpu, started = cpu_seconds(process), time.perf_counter()
                    await asyncio.gather(*(one() for _ in range(n)))
                    rate = n / (time.perf_counter() - started)
                    per_request = (cpu_seconds(process) - cpu) / n * 1000
                    if path == "/health":
                        baseline = per_request
                        row(
                            f"{backend}: {path} (baseline), server CPU",
                            per_request,
                            "ms",
                            precise=True,
                        )
                    else:
                        row(
                            f"{backend}: {path}, server CPU",
                            per_request,
                            "ms",
                            baseline,
                            precise=True,
                        )
                    row(f"{backend}: {path}, requests", rate, "/s")
        finally:
            process.terminate()
            process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    print(f"bench.app_start {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {args.requests} requests each")
    asyncio.run(run(args.requests, args.backend))


if __name__ == "__main__":
    main()
