"""The OpenAPI description of a project's payouts (api/project_payouts.py)."""

from __future__ import annotations

from .openapi import Json, Section, answer, errors, json_body, operation, path, ref
from .projects_spec import TAG

_TEXT = {"type": "string"}
_AMOUNT = {
    "type": "string",
    "pattern": r"^-?[0-9]+(\.[0-9]+)?$",
    "description": "A decimal string in the city currency",
}

SCHEMAS: Json = {
    "Payout": {
        "type": "object",
        "additionalProperties": False,
        "required": ["amount", "created_at", "id", "member", "memo", "project", "transfer"],
        "properties": {
            "id": {**_TEXT, "description": "The client's id (or a new one)"},
            "transfer": {**_TEXT, "description": "The transfer's id in the ledger: payout:<id>"},
            "project": _TEXT,
            "member": {**_TEXT, "description": "Who was paid"},
            "amount": _AMOUNT,
            "memo": {**_TEXT, "description": "Starts with the project: project <slug>: …"},
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
    "PayoutList": {
        "type": "object",
        "additionalProperties": False,
        "required": ["payouts"],
        "properties": {"payouts": {"type": "array", "items": ref("Payout")}},
    },
    "PayoutRequest": {
        "type": "object",
        "additionalProperties": False,
        "required": ["amount", "member"],
        "properties": {
            "member": {**_TEXT, "description": "The member paid (a username)"},
            "amount": _AMOUNT,
            "memo": {"type": "string", "maxLength": 500},
            "id": {
                "type": "string",
                "pattern": "^[A-Za-z0-9_-]{1,64}$",
                "description": "Your id for this payout: a retry with it pays once",
            },
        },
    },
}

_SLUG = path("slug", "The project's slug")

PATHS: Json = {
    "/projects/{slug}/payouts": {
        "get": operation(
            "listPayouts",
            "The organiser or staff: what was paid out of a project's account",
            TAG,
            {"200": answer("The payouts, oldest first", "PayoutList"), **errors(401, 403, 404)},
            params=[_SLUG],
        ),
        "post": operation(
            "payOut",
            "The organiser or staff: pay a funded project's money to a member, never more "
            "than its account holds",
            TAG,
            {"201": answer("The payout", "Payout"), **errors(400, 401, 403, 404, 409)},
            params=[_SLUG],
            body=json_body("PayoutRequest", "Who, how much, why"),
        ),
    }
}

SECTION = Section(
    tag=TAG,
    description="Local projects funded by residents' pledges in the city currency.",
    paths=PATHS,
    schemas=SCHEMAS,
)
