"""A worker process for the two-worker test: runs the real Worker over the real job table.

Usage: python -m tests.instance.worker_process DB_URL OUT_FILE GO_FILE
Each handled job appends its payload number to OUT_FILE; the process starts claiming
once GO_FILE exists and stops when the queue has stayed empty for a second.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from instance.database import Database
from instance.jobs import job_queue
from instance.worker import Worker


async def main(url: str, out: Path, go: Path) -> None:
    database = Database(url, threads=2)
    handled: list[int] = []

    async def record(_city: object, job: object) -> None:
        handled.append(job.payload["n"])  # type: ignore[attr-defined]
        await asyncio.sleep(0.005)  # long enough that one worker alone cannot drain the queue at once

    worker = Worker(database, [job_queue(None, {"record": record})], concurrency=8)  # type: ignore[arg-type]
    while not go.exists():
        time.sleep(0.01)
    idle_since = time.monotonic()
    while time.monotonic() - idle_since < 1.0:
        if await worker.run_until_idle(max_turns=1):
            idle_since = time.monotonic()
        else:
            await asyncio.sleep(0.05)
    out.write_text("\n".join(map(str, handled)))
    database.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])))
