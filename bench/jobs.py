"""No-op jobs claimed and completed per second, on SQLite and PostgreSQL, 1 and 2 worker processes.

    .venv/bin/python -m bench.jobs [--jobs N]

Baseline (same run): single-row committed inserts per second through the bare driver.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from instance import queue
from instance.database import Database
from models import Job

from .common import fresh_database, pg_available, raw_insert_rate, row

ROOT = Path(__file__).resolve().parents[1]


def measure(url: str, jobs: int, processes: int, concurrency: int) -> float:
    database = Database(url, threads=1)
    database.write_sync(lambda s: queue.enqueue_many(s, [{"kind": "noop"}] * jobs))
    with tempfile.TemporaryDirectory() as tmp:
        go = Path(tmp) / "go"
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "bench.job_worker", url, str(go), str(concurrency)], cwd=ROOT
            )
            for _ in range(processes)
        ]
        time.sleep(1.5)  # let the processes import and connect before the clock starts
        start = time.perf_counter()
        go.touch()
        while database.read_sync(lambda s: s.scalar(select(func.count()).select_from(Job))):
            time.sleep(0.01)
        elapsed = time.perf_counter() - start
        for proc in procs:
            proc.wait(timeout=60)
    database.dispose()
    return jobs / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    backends = ["sqlite"] + (["postgresql"] if pg_available() else [])
    print(f"bench/jobs.py: {args.jobs} no-op jobs, worker concurrency {args.concurrency}")
    for backend in backends:
        baseline = raw_insert_rate(backend)
        print(f"{backend}:")
        row("baseline: bare driver 1-row committed inserts", baseline, "rows/s")
        for processes in (1, 2):
            with fresh_database(backend) as url:
                rate = measure(url, args.jobs, processes, args.concurrency)
            row(f"jobs claimed+completed, {processes} worker process(es)", rate, "jobs/s", baseline)


if __name__ == "__main__":
    main()
