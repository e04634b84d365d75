"""The OpenAPI description of the organisation-request routes (api/organisations.py)."""

from __future__ import annotations

from .openapi import Json, Section, answer, errors, json_body, operation, path, query, ref

TAG = "organisations"

_TIME = {"type": "string", "format": "date-time"}
_NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
_NULLABLE = {"type": ["string", "null"]}
_STATES = ["requested", "approved", "declined", "withdrawn", "revoked"]


def _closed(properties: Json, required: list[str] | None = None) -> Json:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": sorted(properties) if required is None else required,
        "properties": properties,
    }


SCHEMAS: Json = {
    "OrganisationRequest": _closed(
        {
            "id": {"type": "string"},
            "account": {"type": "string", "description": "The member's username"},
            "kind": {"type": "string", "enum": ["association", "workshop", "startup", "other"]},
            "presentation": {"type": "string"},
            "website": _NULLABLE,
            "state": {"type": "string", "enum": _STATES},
            "reason": {**_NULLABLE, "description": "Staff's reason, once answered"},
            "created_at": _TIME,
            "decided_at": _NULLABLE_TIME,
        }
    ),
    "OrganisationStatus": _closed(
        {
            "organisation": {
                "type": "boolean",
                "description": "The account is an organisation (an AS2 Organization actor)",
            },
            "organisation_since": _NULLABLE_TIME,
            "request": {
                "oneOf": [ref("OrganisationRequest"), {"type": "null"}],
                "description": "The member's latest request, whatever its state",
            },
        }
    ),
    "OrganisationRequestPage": _closed(
        {"requests": {"type": "array", "items": ref("OrganisationRequest")}}
    ),
    "OrganisationAsk": _closed(
        {
            "kind": {"type": "string", "enum": ["association", "workshop", "startup", "other"]},
            "presentation": {"type": "string", "minLength": 1, "maxLength": 1000},
            "website": {"type": "string", "maxLength": 300, "description": "http(s) address"},
        },
        ["kind", "presentation"],
    ),
    "OrganisationAnswer": _closed(
        {
            "reason": {
                "type": "string",
                "maxLength": 500,
                "description": "Required to decline; the member reads it",
            }
        },
        [],
    ),
    "OrganisationRevoke": _closed(
        {
            "account": {"type": "string", "description": "The organisation's username"},
            "reason": {"type": "string", "minLength": 1, "maxLength": 500},
        }
    ),
    "OrganisationRevoked": _closed(
        {"account": {"type": "string"}, "organisation": {"type": "boolean"}}
    ),
}

_ID = path("id", "The request's id")

PATHS: Json = {
    "/account/organisation": {
        "get": operation(
            "getOrganisationStatus",
            "Whether my account is an organisation, and my latest request",
            TAG,
            {"200": answer("My status", "OrganisationStatus"), **errors(401, 403)},
        ),
        "post": operation(
            "requestOrganisation",
            "Ask staff to recognise my account as an organisation (one open request at a time)",
            TAG,
            {
                "201": answer("Requested", "OrganisationRequest"),
                **errors(400, 401, 403, 409, 413),
            },
            body=json_body("OrganisationAsk", "The organisation"),
        ),
    },
    "/account/organisation/withdraw": {
        "post": operation(
            "withdrawOrganisationRequest",
            "Take back my open organisation request",
            TAG,
            {"200": answer("Withdrawn", "OrganisationRequest"), **errors(401, 403, 409)},
        )
    },
    "/admin/organisations": {
        "get": operation(
            "listOrganisationRequests",
            "Moderators: organisation requests, oldest first",
            TAG,
            {"200": answer("The requests", "OrganisationRequestPage"), **errors(400, 401, 403)},
            params=[
                query(
                    "state",
                    {"type": "string", "enum": [*_STATES, "all"], "default": "requested"},
                    "Which",
                )
            ],
        )
    },
    "/admin/organisations/{id}/approve": {
        "post": operation(
            "approveOrganisationRequest",
            "Moderators: recognise the account as an organisation (its actor becomes an"
            " Organization; followers get an Update)",
            TAG,
            {
                "200": answer("Approved", "OrganisationRequest"),
                **errors(400, 401, 403, 404, 409, 413),
            },
            params=[_ID],
            body=json_body("OrganisationAnswer", "An optional reason"),
        )
    },
    "/admin/organisations/{id}/decline": {
        "post": operation(
            "declineOrganisationRequest",
            "Moderators: decline the request with a reason the member reads",
            TAG,
            {
                "200": answer("Declined", "OrganisationRequest"),
                **errors(400, 401, 403, 404, 409, 413),
            },
            params=[_ID],
            body=json_body("OrganisationAnswer", "The reason"),
        )
    },
    "/admin/organisations/revoke": {
        "post": operation(
            "revokeOrganisation",
            "Moderators: make an organisation's account a person's again",
            TAG,
            {
                "200": answer("Revoked", "OrganisationRevoked"),
                **errors(400, 401, 403, 404, 409, 413),
            },
            body=json_body("OrganisationRevoke", "Whose, and why"),
        )
    },
}

SECTION = Section(
    tag=TAG,
    description="Organisation accounts: members ask, staff approve, decline or revoke.",
    paths=PATHS,
    schemas=SCHEMAS,
)
