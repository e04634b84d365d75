"""The OpenAPI 3.1 document of `/api/comptoir/v1`, assembled from every module's `Section`.

The building blocks (`Section`, schema helpers) are in `api.openapi`, which the `*_spec`
modules import; this module imports the specs, so it is the one that knows them all.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from instance.city import city_of

from . import (
    admin_domains_spec,
    conversations_spec,
    discussions_spec,
    ledger_spec,
    listings_spec,
    negotiations_spec,
    organisations_spec,
    partners_spec,
    polls_spec,
    project_payouts_spec,
    projects_spec,
    remote_accounts_spec,
    reports_spec,
    settlements_spec,
    social_spec,
)
from .openapi import (
    COMMON_SCHEMAS,
    ERROR_RESPONSES,
    ERROR_TEXT,
    PREFIX,
    Json,
    Section,
    operation,
    ref,
)

OPENAPI = Section(
    tag="meta",
    description="This document.",
    paths={
        "/openapi.json": {
            "get": operation(
                "getOpenApi",
                "This OpenAPI document",
                "meta",
                {
                    "200": {
                        "description": "The OpenAPI 3.1 document",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
                public=True,
            )
        }
    },
)


def sections() -> list[Section]:
    return [
        OPENAPI,
        ledger_spec.SECTION,
        social_spec.SECTION,
        conversations_spec.SECTION,
        remote_accounts_spec.SECTION,
        admin_domains_spec.SECTION,
        reports_spec.SECTION,
        organisations_spec.SECTION,
        listings_spec.SECTION,
        listings_spec.MODERATION_SECTION,
        negotiations_spec.SECTION,
        negotiations_spec.NOTIFICATIONS_SECTION,
        settlements_spec.SECTION,
        partners_spec.SECTION,
        discussions_spec.SECTION,
        polls_spec.SECTION,
        projects_spec.SECTION,
        project_payouts_spec.SECTION,
    ]


def _tags() -> list[Json]:
    """Each tag once, with its first section's description: several sections may share one
    (projects and their payouts)."""
    described: dict[str, str] = {}
    for section in sections():
        described.setdefault(section.tag, section.description)
    return [{"name": tag, "description": text} for tag, text in described.items()]


def document(base_url: str, name: str) -> Json:
    paths: Json = {}
    schemas: Json = dict(COMMON_SCHEMAS)
    for section in sections():
        paths.update(section.paths)
        schemas.update(section.schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{name}: Comptoir API",
            "version": "1",
            "description": "The city exchange's own JSON API. Amounts are decimal strings "
            'in the city currency; errors are {"error": {"code", "message"}} with the HTTP '
            "status. Any request may be refused with 429 and Retry-After past the city's "
            "rate limits (by default 300 requests per 5 minutes per token, 1,500 per address "
            "without one).",
        },
        "servers": [{"url": base_url + PREFIX}],
        "tags": _tags(),
        "security": [{"token": []}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": (
                        "A personal token from `comptoir users token NAME` (every scope), or"
                        " an OAuth access token of an app (`/oauth/token`): a GET needs the"
                        " `read` scope, a change `write` (creating a listing"
                        " `write:statuses`), admin endpoints `admin:read`/`admin:write`."
                    ),
                }
            },
            "schemas": schemas,
            "responses": {
                name: {
                    "description": ERROR_TEXT[status],
                    "content": {"application/json": {"schema": ref("Error")}},
                }
                for status, name in ERROR_RESPONSES.items()
            },
        },
    }


async def serve_document(request: Request) -> Response:
    settings = city_of(request).settings
    return JSONResponse(document(settings.base_url, settings.name))
