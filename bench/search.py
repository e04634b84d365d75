"""Listing search through the real API at 100,000 listings: median and p99 latency, SQLite and PostgreSQL.

    .venv/bin/python -m bench.search [--listings N] [--queries N]

Each query is one `GET /api/comptoir/v1/listings?q=WORD&category=SLUG&city=HOST` through the
whole application (httpx over ASGI: routing, the JSON error wrapper, policy, the full-text
query, authors and converted prices, JSON): what a client waits for, minus the network.
Words are drawn from a Zipf-distributed vocabulary, so some match a third of the listings
and some a handful; categories and cities are drawn uniformly (20 categories, 5 cities).

Baselines, same run: the bare driver running the full-text part alone (FTS5 MATCH with the
same filters / the tsvector query), and `GET /health` through the same transport (the cost of
one request through the app with a trivial query).
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

from instance.database import Database
from instance.init import init_instance
from instance.settings import load_settings
from models import Listing, ListingState, Member, Purpose, RemoteActor
from server.app import create_app

from .common import fresh_database, pg_available

SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ba", "de", "fu", "go", "pi", "ze", "mo", "tra", "ble",
             "cor", "dan", "ell", "fra", "gri", "hol", "jun", "kel", "lum", "mar", "nor", "pel", "qui"]
CATEGORIES = [f"cat{n:02d}" for n in range(20)]
OUR_DOMAIN = "127.0.0.1:8999"
CITIES = [OUR_DOMAIN] + [f"city{n}.example" for n in range(1, 5)]


def vocabulary(rng: random.Random, size: int = 2000) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def zipf_picker(rng: random.Random, words: list[str]) -> Any:
    weights = [1 / (rank + 1) for rank in range(len(words))]

    def pick(k: int) -> list[str]:
        return rng.choices(words, weights=weights, k=k)

    return pick


def populate(url: str, n: int, rng: random.Random, words: list[str]) -> None:
    pick = zipf_picker(rng, words)
    database = Database(url, threads=1)
    now = datetime.now(UTC)

    def people(session: Any) -> tuple[list[int], dict[str, list[int]]]:
        session.execute(insert(Member), [
            {"username": f"m{i}", "password_hash": "x", "private_key_pem": "x", "public_key_pem": "x"}
            for i in range(50)])
        session.execute(insert(RemoteActor), [
            {"uri": f"https://{city}/users/r{i}", "domain": city, "type": "Person", "preferred_username": f"r{i}",
             "inbox": f"https://{city}/users/r{i}/inbox", "key_id": f"https://{city}/users/r{i}#main-key",
             "public_key_pem": "x", "extra": {}}
            for city in CITIES[1:] for i in range(50)])
        members = [r[0] for r in session.execute(text("SELECT id FROM members"))]
        remote: dict[str, list[int]] = {}
        for actor_id, domain in session.execute(text("SELECT id, domain FROM remote_actors")):
            remote.setdefault(domain, []).append(actor_id)
        return members, remote

    members, remote = database.write_sync(people)
    batch: list[dict[str, Any]] = []
    for i in range(n):
        city = rng.choice(CITIES)
        local = city == OUR_DOMAIN
        public_id = f"{i:032x}"
        listed = now - timedelta(minutes=n - i)
        batch.append({
            "public_id": public_id,
            "uri": f"https://{city}/listings/{public_id}",
            "member_id": rng.choice(members) if local else None,
            "remote_actor_id": None if local else rng.choice(remote[city]),
            "origin": city, "purpose": rng.choice(list(Purpose)), "title": " ".join(pick(rng.randint(3, 6))),
            "description": " ".join(pick(rng.randint(15, 40))), "category": rng.choice(CATEGORIES),
            "price": rng.randint(0, 10_000), "currency": "GRN" if local else "BRQ", "scale": 2,
            "quantity": 1, "place": rng.choice(["Nord", "Sud", "Centre", "Port", "Gare"]), "photos": [],
            "state": ListingState.published, "created_at": listed, "listed_at": listed,
            "expires_at": now + timedelta(days=30), "moderation_reason": "",
        })
        if len(batch) == 5000:
            database.write_sync(lambda s, rows=batch: s.execute(insert(Listing), rows))
            batch = []
    if batch:
        database.write_sync(lambda s: s.execute(insert(Listing), batch))
    with database.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    database.dispose()


def raw_query(url: str, queries: list[tuple[str, str, str]]) -> list[float]:
    """The full-text part alone through the bare driver, same filters and order, 21 rows."""
    timings = []
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url[len("sqlite:///"):])
        sql = ("SELECT l.id FROM listings_fts f JOIN listings l ON l.id = f.rowid WHERE listings_fts MATCH ? "
               "AND l.category = ? AND l.origin = ? AND l.state IN ('published', 'reserved') "
               "ORDER BY f.rowid DESC LIMIT 21")
        for word, category, city in queries:
            start = time.perf_counter()
            conn.execute(sql, (f'"{word}"', category, city)).fetchall()
            timings.append(time.perf_counter() - start)
        conn.close()
        return timings
    import psycopg

    dsn, _, options = url.replace("postgresql+psycopg://", "postgresql://").partition("?options=")
    schema = options.split("%3D", 1)[1]
    with psycopg.connect(dsn) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        sql = ("SELECT id FROM listings WHERE search @@ plainto_tsquery('simple', %s) AND category = %s "
               "AND origin = %s AND state IN ('published', 'reserved') ORDER BY id DESC LIMIT 21")
        for word, category, city in queries:
            start = time.perf_counter()
            conn.execute(sql, (word, category, city)).fetchall()
            timings.append(time.perf_counter() - start)
    return timings


async def api_timings(url: str, queries: list[tuple[str, str, str]], warmup: int) -> tuple[list[float], list[float],
                                                                                           int]:
    with tempfile.TemporaryDirectory() as tmp:
        config = init_instance(Path(tmp) / "instance.toml", domain=OUR_DOMAIN, name="Bench", database=url,
                               allow_loopback_http=True)
        # one client makes every search: the per-address rate limit would refuse a long run
        config.write_text(config.read_text().replace("anonymous_requests_per_5_minutes = 1500",
                                                     "anonymous_requests_per_5_minutes = 0"))
        settings = load_settings(config)
        assert settings.api.per_address == 0
        app = create_app(settings, run_worker=False)
        found = 0
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=settings.base_url) as http:
            searches, health = [], []
            for n, (word, category, city) in enumerate(queries):
                start = time.perf_counter()
                answer = await http.get("/api/comptoir/v1/listings",
                                        params={"q": word, "category": category, "city": city})
                elapsed = time.perf_counter() - start
                assert answer.status_code == 200, answer.text
                if n >= warmup:
                    searches.append(elapsed)
                    found += len(answer.json()["listings"])
                start = time.perf_counter()
                await http.get("/health")
                if n >= warmup:
                    health.append(time.perf_counter() - start)
        app.state.city.db.dispose()
    return searches, health, found


def line(label: str, value: float, unit: str) -> None:
    print(f"  {label:<58} {value:>10,.2f} {unit}", flush=True)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args()
    rng = random.Random(837)
    words = vocabulary(rng)
    picks = zipf_picker(rng, words[:500])
    queries = [(picks(1)[0], rng.choice(CATEGORIES), rng.choice(CITIES)) for _ in range(args.queries + args.warmup)]
    backends = ["sqlite"] + (["postgresql"] if pg_available() else [])
    print(f"bench/search.py: {args.listings:,} listings, {args.queries} searches (text + category + city), "
          f"{args.warmup} warm-up")
    for backend in backends:
        with fresh_database(backend) as url:
            start = time.perf_counter()
            populate(url, args.listings, rng, words)
            print(f"{backend}: populated in {time.perf_counter() - start:.0f} s")
            raw = raw_query(url, queries)[args.warmup:]
            searches, health, found = asyncio.run(api_timings(url, queries, args.warmup))
            ms = 1000.0
            line("baseline: bare driver, full-text query alone, median", statistics.median(raw) * ms, "ms")
            line("baseline: bare driver, full-text query alone, p99", percentile(raw, 99) * ms, "ms")
            line("baseline: GET /health through the app, median", statistics.median(health) * ms, "ms")
            line("API search, median", statistics.median(searches) * ms, "ms")
            line("API search, p99", percentile(searches, 99) * ms, "ms")
            line("API search, max", max(searches) * ms, "ms")
            line("listings returned per search (mean)", found / len(searches), "rows")


if __name__ == "__main__":
    main()
