"""A worker process for the two-worker test: runs the real Worker over the real job table.

Usage: python -m tests.instance.worker_process DB_URL OUT_FILE GO_FILE
The process creates OUT_FILE.ready once it can claim, starts claiming once GO_FILE exists, and
stops when a claim finds nothing due (the test queues every job before GO_FILE appears). Each
handled job's payload number is then written to OUT_FILE.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from instance.database import Database
from instance.jobs import job_queue
from instance.worker import Worker


def ready_file(out: Path) -> Path:
    return out.with_name(out.name + ".ready")


def wait_for(go: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not go.exists():
        if time.monotonic() > deadline:
            sys.exit("never told to go")
        time.sleep(0.01)


async def main(url: str, out: Path, go: Path) -> None:
    database = Database(url, threads=2)
    handled: list[int] = []

    async def record(_city: object, job: object) -> None:
        handled.append(job.payload["n"])  # type: ignore[attr-defined]
        await asyncio.sleep(0.005)  # a job that takes a while: one worker alone cannot drain the queue at once

    worker = Worker(database, [job_queue(None, {"record": record})], concurrency=8)  # type: ignore[arg-type]
    ready_file(out).touch()
    await asyncio.to_thread(wait_for, go)
    await worker.run_until_idle()
    out.write_text("\n".join(map(str, handled)))
    database.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])))
