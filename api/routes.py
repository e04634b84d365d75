"""Everything served under /api/comptoir/v1, behind one JSON error handler.

Each API module lists its routes; `served` gathers them (and the tests compare that list with
the OpenAPI document), `routes` mounts them for `server.app.create_app`.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route, Router

from . import (
    admin_domains,
    conversations,
    discussions,
    ledger,
    listing_moderation,
    listings,
    negotiations,
    notifications,
    organisations,
    partners,
    polls,
    project_payouts,
    projects,
    remote_accounts,
    remote_pledges,
    reports,
    settlements,
    social,
)
from .errors import JsonErrors
from .openapi import PREFIX
from .openapi_document import serve_document
from .throttle import Throttle


def served() -> list[Route]:
    return [
        Route("/openapi.json", serve_document, methods=["GET"]),
        *ledger.ROUTES,
        *social.ROUTES,
        *conversations.ROUTES,
        *admin_domains.ROUTES,
        *reports.ROUTES,
        *organisations.ROUTES,
        *remote_accounts.ROUTES,
        *listings.ROUTES,
        *listing_moderation.ROUTES,
        *negotiations.ROUTES,
        *notifications.ROUTES,
        *settlements.ROUTES,
        *partners.ROUTES,
        *discussions.ROUTES,
        *polls.ROUTES,
        *projects.ROUTES,
        *remote_pledges.ROUTES,
        *project_payouts.ROUTES,
    ]


def routes() -> list[BaseRoute]:
    return [Mount(PREFIX, app=Throttle(JsonErrors(Router(routes=served()))))]
