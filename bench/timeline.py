"""The Mastodon home timeline at 100,000 statuses: requests per second and latency (median,
p99) for a member following 500 accounts, SQLite and PostgreSQL, beside a baseline measured
in the same run.

    .venv/bin/python -m bench.timeline [--statuses N] [--follows N] [--requests N]

Each request is `GET /api/v1/timelines/home?limit=20` with the member's token through the
whole application (httpx over ASGI: the middlewares, the token check, the home query over
the status index, the Status entities with authors, counts and reactions, JSON); a fifth of
them page further back (`max_id` drawn among the ids). The statuses are public notes of
1,000 remote accounts, half of them followed (so the home timeline is half of everything);
the member blocks 10 and mutes 10 of the others (so the home query's block and mute filter
works on every status while the page is the same).

Baseline, same run, same transport: a bare Starlette app whose one route answers the same 20
statuses' JSON, prepared beforehand: what serving that answer costs with no work behind it.
Goals (issue 13): p99 under 50 ms, and at least 0.3x of the baseline's rate.

Floor, same run: `GET /health` through the same application (every middleware, one thread
hop, one transaction running `SELECT 1`): what any answer that reads the database costs
here before it does any work of its own. The home timeline cannot beat it.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.auth import issue_token
from instance.database import Database
from instance.init import init_instance
from instance.settings import load_settings
from models import (
    AccountBlock,
    AccountMute,
    Direction,
    Follow,
    FollowState,
    Member,
    Note,
    RemoteActor,
)
from server.app import create_app

from .common import fresh_database, pg_available

OUR_DOMAIN = "127.0.0.1:8999"
AUTHORS = 1000


def populate(url: str, statuses: int, follows: int, rng: random.Random) -> None:
    database = Database(url, threads=1)
    now = datetime.now(UTC)
    reader = f"http://{OUR_DOMAIN}/users/reader"

    def people(session: Any) -> list[int]:
        session.execute(
            insert(Member),
            [{"username": "reader", "password_hash": "x", "private_key_pem": "x",
              "public_key_pem": "x"}],
        )  # fmt: skip
        session.execute(
            insert(RemoteActor),
            [
                {
                    "uri": f"https://town{i % 10}.example/users/r{i}",
                    "domain": f"town{i % 10}.example",
                    "type": "Person",
                    "preferred_username": f"r{i}",
                    "inbox": f"https://town{i % 10}.example/users/r{i}/inbox",
                    "key_id": f"https://town{i % 10}.example/users/r{i}#main-key",
                    "public_key_pem": "x",
                    "extra": {},
                }
                for i in range(AUTHORS)
            ],
        )
        actors = [r[0] for r in session.execute(text("SELECT id FROM remote_actors ORDER BY id"))]
        session.execute(
            insert(Follow),
            [
                {
                    "local_actor": reader,
                    "remote_actor_id": actor,
                    "direction": Direction.outbound,
                    "state": FollowState.accepted,
                    "activity_uri": f"http://{OUR_DOMAIN}/follows/{n}",
                }
                for n, actor in enumerate(actors[:follows])
            ],
        )
        # the reader blocks 10 and mutes 10 accounts they do not follow (one mute timed, one
        # expired): the home filter runs on every status as in use, the page is unchanged
        member = session.execute(text("SELECT id FROM members")).scalar_one()
        strangers = actors[follows : follows + 20]
        session.execute(
            insert(AccountBlock),
            [
                {"member_id": member, "remote_actor_id": a, "incoming": False}
                for a in strangers[:10]
            ],
        )
        session.execute(
            insert(AccountMute),
            [
                {
                    "member_id": member,
                    "remote_actor_id": a,
                    "notifications": True,
                    "expires_at": now + timedelta(days=n - 1) if n < 2 else None,
                }
                for n, a in enumerate(strangers[10:])
            ],
        )
        return actors

    actors = database.write_sync(people)
    batch: list[dict[str, Any]] = []
    for i in range(statuses):
        author = rng.choice(actors)
        batch.append(
            {
                "uri": f"https://town.example/notes/{i}",
                "remote_actor_id": author,
                "content": f"<p>Note {i}: fresh bread, a bike to lend, honey for sale.</p>",
                "visibility": "public",
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
                "cc": [],
                "attachments": [],
                "tags": [],
                "published": now - timedelta(seconds=statuses - i),
            }
        )
        if len(batch) == 5000:
            database.write_sync(lambda s, rows=batch: s.execute(insert(Note), rows))
            batch = []
    if batch:
        database.write_sync(lambda s: s.execute(insert(Note), batch))
    # Core inserts bypass the mapper events that index notes as statuses: do it in one go
    database.write_sync(
        lambda s: s.execute(
            text(
                "INSERT INTO statuses (note_id, created_at) SELECT id, published FROM notes "
                "ORDER BY id"
            )
        )
    )
    with database.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    database.dispose()


async def measure(
    app: Any, path: str, params: list[dict[str, str]], headers: dict[str, str], warmup: int
) -> list[float]:
    timings = []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=f"http://{OUR_DOMAIN}"
    ) as http:
        for n, query in enumerate(params):
            start = time.perf_counter()
            answer = await http.get(path, params=query, headers=headers)
            elapsed = time.perf_counter() - start
            assert answer.status_code == 200, answer.text
            if n >= warmup:
                timings.append(elapsed)
    return timings


def baseline_app(body: bytes) -> Starlette:
    async def home(_: Request) -> Response:
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/api/v1/timelines/home", home)])


async def run(url: str, requests: int, warmup: int, rng: random.Random) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        config = init_instance(
            Path(tmp) / "instance.toml",
            domain=OUR_DOMAIN,
            name="Bench",
            database=url,
            allow_loopback_http=True,
        )
        settings = load_settings(config)
        app = create_app(settings, run_worker=False)
        db = app.state.city.db
        token = db.write_sync(lambda s: issue_token(s, "reader"))
        headers = {"Authorization": f"Bearer {token}"}
        top = db.read_sync(lambda s: s.scalar(text("SELECT max(id) FROM statuses")))
        params = [
            {"limit": "20"}
            if rng.random() < 0.8
            else {"limit": "20", "max_id": str(rng.randint(top // 2, top))}
            for _ in range(requests)
        ]
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=settings.base_url
        ) as http:
            first = await http.get(
                "/api/v1/timelines/home", params={"limit": "20"}, headers=headers
            )
            assert first.status_code == 200 and len(first.json()) == 20, first.text
            body = first.content
        timings = await measure(app, "/api/v1/timelines/home", params, headers, warmup)
        floor = await measure(app, "/health", [{}] * len(params), {}, warmup)
        db.dispose()
    bare = await measure(baseline_app(body), "/api/v1/timelines/home", params, {}, warmup)
    return {
        "median": statistics.median(timings) * 1000,
        "p99": percentile(timings, 99) * 1000,
        "rate": len(timings) / sum(timings),
        "base_median": statistics.median(bare) * 1000,
        "base_rate": len(bare) / sum(bare),
        "floor_median": statistics.median(floor) * 1000,
        "floor_rate": len(floor) / sum(floor),
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def line(label: str, value: float, unit: str) -> None:
    print(f"  {label:<58} {value:>10,.2f} {unit}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--statuses", type=int, default=100_000)
    parser.add_argument("--follows", type=int, default=500)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args()
    backends = ["sqlite"] + (["postgresql"] if pg_available() else [])
    for backend in backends:
        rng = random.Random(13)
        with fresh_database(backend) as url:
            start = time.perf_counter()
            populate(url, args.statuses, args.follows, rng)
            print(
                f"{backend}: {args.statuses:,} statuses, {args.follows} follows "
                f"({time.perf_counter() - start:.0f} s to fill)",
                flush=True,
            )
            found = asyncio.run(run(url, args.requests, args.warmup, rng))
        line("home timeline, median", found["median"], "ms")
        line("home timeline, p99 (goal < 50)", found["p99"], "ms")
        line("home timeline, requests per second", found["rate"], "req/s")
        line("baseline (bare Starlette, same JSON), median", found["base_median"], "ms")
        line("baseline, requests per second", found["base_rate"], "req/s")
        line("ratio to the baseline (goal >= 0.3)", found["rate"] / found["base_rate"], "x")
        line("floor (/health: same stack, one SELECT 1), median", found["floor_median"], "ms")
        line("floor, ratio to the baseline", found["floor_rate"] / found["base_rate"], "x")


if __name__ == "__main__":
    main()
