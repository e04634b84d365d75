"""The composition root: build one city's Starlette application and its background worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from api.routes import routes as api_routes
from exchange.ledger import jobs as ledger_jobs
from federation import jsonld
from inbox import handlers as inbox_handlers
from inbox.process import inbox_queue
from inbox.receive import InboxShortcut
from inbox.writer import InboxWriter
from instance import jobs, vapid
from instance.actors import ensure_service_actors
from instance.city import City
from instance.database import Database
from instance.jobs import JobHandler
from instance.requestlog import RequestLog
from instance.settings import Settings
from instance.urls import Urls
from instance.worker import Queue, Worker
from models import utcnow
from outbox import availability
from outbox import jobs as outbox_jobs
from server.api_edge import ApiEdge
from server.errors import EXCEPTION_HANDLERS, CrashPage
from server.router import IndexedRouter
from server.routing import all_routes
from services import jobs as service_jobs
from services import settlement_jobs, settlement_outcomes
from web.language import Language

log = logging.getLogger("comptoir.app")


async def health(request: Request) -> Response:
    """For process managers: the process answers and its database does too."""
    city: City = request.app.state.city
    try:
        await city.db.read(lambda s: s.execute(text("SELECT 1")).scalar())
    except Exception as exc:  # the database is down: say so, do not crash
        return JSONResponse({"status": "error", "database": str(exc)[:200]}, status_code=503)
    return JSONResponse({"status": "ok"})


def job_handlers(city: City) -> dict[str, JobHandler]:
    """Every job kind and its handler: the one place where the packages' maps meet."""
    merged: dict[str, JobHandler] = {}
    for handlers in (outbox_jobs.handlers(city), ledger_jobs.HANDLERS, service_jobs.HANDLERS):
        taken = merged.keys() & handlers.keys()
        if taken:
            raise ValueError(f"job kinds handled twice: {sorted(taken)}")
        merged.update(handlers)
    return merged


def build_queues(city: City) -> list[Queue]:
    """Every claimable table and its handlers."""
    return [
        inbox_queue(city, inbox_handlers.HANDLERS),
        jobs.job_queue(city, job_handlers(city), outbox_jobs.FAILURE_HOOKS),
    ]


async def start(city: City) -> None:
    """What a process does once before serving or working: our actors exist, contexts are loaded."""

    await city.db.write(ensure_service_actors)
    await city.db.write(vapid.ensure)
    await city.db.write(availability.schedule_probe)
    await city.db.write(lambda s: ledger_jobs.schedule_sweep(s, city.settings.currency))
    await city.db.write(lambda s: settlement_outcomes.schedule_sweep(s, city))
    first_comparison = utcnow() + timedelta(seconds=city.settings.settlement.reconcile_seconds)
    await city.db.write(
        lambda s: settlement_jobs.schedule_reconciliation(s, run_at=first_comparison)
    )
    jsonld.install_document_loader()
    jsonld.register_context(city.urls.context, jsonld.comptoir_context(city.urls.base))


def build_city(settings: Settings, *, with_worker: bool, db: Database | None = None) -> City:
    city = City(
        settings=settings, db=db or Database(settings.database_url), urls=Urls(settings.base_url)
    )
    if with_worker:
        city.worker = Worker(
            city.db,
            [],
            concurrency=settings.workers.concurrency,
            lease_seconds=settings.workers.lease_seconds,
        )
        city.worker.queues = build_queues(city)
    return city


def create_app(
    settings: Settings,
    *,
    run_worker: bool | None = None,
    db: Database | None = None,
    warm: bool = False,
) -> Starlette:
    """The ASGI app of one city. `run_worker` defaults to the config's workers.in_process;
    `warm` (`comptoir serve`) pays the first-use costs of signing and TLS at start-up."""
    city = build_city(
        settings,
        with_worker=settings.workers.in_process if run_worker is None else run_worker,
        db=db,
    )
    database = city.db

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await start(city)
        if warm:
            await asyncio.to_thread(city.fediverse.warm)
        stop = asyncio.Event()
        task = asyncio.create_task(city.worker.run(stop)) if city.worker else None
        try:
            yield
        finally:
            stop.set()
            if task is not None:
                await task
            await city.fediverse.aclose()
            if db is None:
                database.dispose()

    inbox_writer = InboxWriter(database)
    routes: list[BaseRoute] = [Route("/health", health), *all_routes()]
    routes += api_routes()

    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(RequestLog),
            Middleware(ApiEdge),
            Middleware(InboxShortcut, city=city, writer=inbox_writer),
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret_key,
                session_cookie="comptoir_session",
                same_site="lax",
                https_only=settings.scheme == "https",
                max_age=14 * 24 * 3600,
            ),
            # inside the session: the member's stored language is read from it
            Middleware(Language),
            Middleware(CrashPage),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    # the same routes and lifespan, each request trying only the routes its path could match
    app.router = IndexedRouter(routes, lifespan=lifespan)
    app.state.city = city
    app.state.inbox_writer = inbox_writer
    return app
