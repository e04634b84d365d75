"""The market page (`GET /listings`, HTML) at 100,000 listings: requests per second and p99
latency, beside a bare Starlette route rendering the same template with canned data, in the
same run.

    .venv/bin/python -m bench.market_page [--listings N] [--requests N] [--concurrency N]

The listings are those of bench/search.py (a fifth ours in GRN, the rest from four other
cities in BRQ), plus an exchange rule in force with one of those cities, so a page shows
converted prices and the "paying is not possible" note both. The requests are a mix a
visitor makes: the first page, a category, a city, and an "Older listings" page further down
(a cursor drawn at random), anonymous, through the whole application over ASGI (middleware,
sessions, language, policy, the query, authors, quotes, Jinja2): what a browser waits for,
minus the network.

Baseline, same run: a bare Starlette app whose one route renders `listings/browse.html` with
the same Jinja2 environment and a canned context, the first page as the market had it (read
once before timing): the cost of the template alone, without the database or the middleware.

Each is measured twice: one request at a time (latency: median, p99; req/s = 1 / mean), and
`--concurrency` clients at once (throughput, req/s, and p99 under that load).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
from sqlalchemy import insert, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from exchange import categories, search
from instance import i18n
from instance.database import Database
from instance.init import init_instance
from instance.settings import load_settings
from models import ExchangeRule, Listing, Partnership, RuleStatus
from server.app import create_app
from web.market import decorate
from web.pages import templates
from web.refusal import NONE

from .common import fresh_database, pg_available
from .search import CATEGORIES, CITIES, OUR_DOMAIN, percentile, populate, vocabulary

PARTNER = CITIES[1]


def add_rule(url: str) -> None:
    """An exchange rule in force with PARTNER: 1 GRN = 3/2 BRQ."""
    database = Database(url, threads=1)
    now = datetime.now(UTC)

    def work(session: Any) -> None:
        session.execute(
            insert(Partnership),
            [
                {
                    "partner": f"https://{PARTNER}/actor",
                    "domain": PARTNER,
                    "inbox": f"https://{PARTNER}/inbox",
                    "currency": "BRQ",
                    "scale": 2,
                }
            ],
        )
        partnership = session.scalar(select(Partnership.id))
        session.execute(
            insert(ExchangeRule),
            [
                {
                    "uri": f"https://{OUR_DOMAIN}/rules/1",
                    "partnership_id": partnership,
                    "partner": f"https://{PARTNER}/actor",
                    "version": 1,
                    "proposer": f"https://{OUR_DOMAIN}/actor",
                    "responder": f"https://{PARTNER}/actor",
                    "proposer_currency": "GRN",
                    "proposer_scale": 2,
                    "responder_currency": "BRQ",
                    "responder_scale": 2,
                    "num": 3,
                    "den": 2,
                    "min_amount": 1,
                    "max_amount": 1_000_000,
                    "import_cap": 1_000_000,
                    "export_cap": 1_000_000,
                    "valid_from": now - timedelta(days=1),
                    "hash": "0" * 64,
                    "status": RuleStatus.active,
                    "offer_uri": f"https://{OUR_DOMAIN}/rules/1/offer",
                }
            ],
        )

    database.write_sync(work)
    database.dispose()


def paths(rng: random.Random, n: int, highest_id: int) -> list[str]:
    """The visitors' mix: first page, a category, a city, an older page."""
    made = []
    for i in range(n):
        kind = i % 4
        if kind == 0:
            made.append("/listings")
        elif kind == 1:
            made.append(f"/listings?category={rng.choice(CATEGORIES)}")
        elif kind == 2:
            made.append(f"/listings?city={rng.choice(CITIES)}")
        else:
            made.append(f"/listings?cursor={rng.randint(21, highest_id)}")
    return made


def kind_of(path: str) -> str:
    return path.partition("?")[2].partition("=")[0] or "first page"


async def timed(
    get: Callable[[str], Awaitable[httpx.Response]],
    todo: list[str],
    concurrency: int,
    by_kind: dict[str, list[float]] | None = None,
) -> tuple[list[float], float]:
    """Each request's latency and the wall time of all, `concurrency` at a time."""
    latencies: list[float] = []
    queue = list(reversed(todo))

    async def client() -> None:
        while queue:
            path = queue.pop()
            start = time.perf_counter()
            answer = await get(path)
            latencies.append(time.perf_counter() - start)
            if by_kind is not None:
                by_kind.setdefault(kind_of(path), []).append(latencies[-1])
            assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return latencies, time.perf_counter() - start


def bare_app(context: dict[str, Any]) -> Starlette:
    """One route rendering the market's template from `context`, nothing else."""

    async def page(request: Request) -> Response:
        return templates.TemplateResponse(request, "listings/browse.html", dict(context))

    return Starlette(routes=[Route("/listings", page)])


def canned(app: Any) -> dict[str, Any]:
    """The market's first page as the template gets it, read once."""
    city = app.state.city

    def read(session: Any) -> dict[str, Any]:
        page = search.browse(
            session,
            search.Filters(),
            own_origin=city.settings.domain,
            verdicts=search.Verdicts(silenced=lambda d: False, refused=lambda d: False),
            limit=20,
        )
        return {
            "listings": decorate(session, city, page.listings),
            "next_cursor": page.next_cursor,
            "categories": categories.list_categories(session),
        }

    found: dict[str, Any] = city.db.read_sync(read)
    return {
        **found,
        "query": {},
        "error": None,
        "member": None,
        "message": None,
        "refused": NONE,
        "city": SimpleNamespace(settings=city.settings),
        "csrf_token": "x" * 43,
        "lang": "en",
        "languages": i18n.NAMES,
        "when": lambda value: i18n.format_datetime(value, city.settings.time_zone),
    }


def report(label: str, latencies: list[float], wall: float) -> None:
    ms = 1000.0
    print(
        f"  {label:<44} {len(latencies) / wall:>8,.0f} req/s   "
        f"median {statistics.median(latencies) * ms:>6.1f} ms   "
        f"p99 {percentile(latencies, 99) * ms:>6.1f} ms",
        flush=True,
    )


async def measure(url: str, args: argparse.Namespace, rng: random.Random) -> None:
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
        highest = app.state.city.db.read_sync(
            lambda s: s.scalar(select(Listing.id).order_by(Listing.id.desc()))
        )
        todo = paths(rng, args.requests + args.warmup, highest)
        context = canned(app)
        shown = context["listings"]
        converted = sum(1 for item in shown if item["converted"])
        unpayable = sum(1 for item in shown if item["unpayable"])
        print(f"  first page: {len(shown)} listings, {converted} converted, {unpayable} unpayable")
        bare = bare_app(context)
        for label, target in (("bare Starlette route, canned data", bare), ("market page", app)):
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=target), base_url=settings.base_url
            ) as http:
                await timed(http.get, todo[: args.warmup], 1)
                measured = todo[args.warmup :]
                by_kind: dict[str, list[float]] = {}
                report(f"{label}, 1 at a time", *await timed(http.get, measured, 1, by_kind))
                if target is app:
                    for kind, values in sorted(by_kind.items()):
                        report(f"  {kind}", values, sum(values))
                report(
                    f"{label}, {args.concurrency} at a time",
                    *await timed(http.get, measured, args.concurrency),
                )
        app.state.city.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    rng = random.Random(4242)
    words = vocabulary(rng)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    if "postgresql" in backends and not pg_available():
        backends.remove("postgresql")
    print(
        f"bench/market_page.py: {args.listings:,} listings, {args.requests} requests "
        f"(first page, category, city, older page), {args.warmup} warm-up"
    )
    for backend in backends:
        with fresh_database(backend) as url:
            start = time.perf_counter()
            populate(url, args.listings, rng, words)
            add_rule(url)
            print(f"{backend}: populated in {time.perf_counter() - start:.0f} s")
            asyncio.run(measure(url, args, rng))


if __name__ == "__main__":
    main()
