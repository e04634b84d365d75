"""One worker process for bench/jobs.py: the real Worker with a no-op handler."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from instance.database import Database
from instance.jobs import job_queue
from instance.worker import Worker


async def main(url: str, go: Path, concurrency: int) -> None:
    database = Database(url, threads=2)

    async def noop(_city: object, _job: object) -> None:
        return None

    worker = Worker(database, [job_queue(None, {"noop": noop})], concurrency=concurrency)  # type: ignore[arg-type]
    while not go.exists():
        time.sleep(0.005)
    idle = 0
    while idle < 3:
        handled = await worker.run_until_idle(max_turns=50)
        idle = 0 if handled else idle + 1
        if not handled:
            await asyncio.sleep(0.05)
    database.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])))
