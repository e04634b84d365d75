"""The building blocks of the OpenAPI 3.1 document of `/api/comptoir/v1`.

Each module serving routes under the prefix describes them beside its handlers as a
`Section` (its paths and component schemas), listed in `api.openapi_document.sections`.
tests/api/test_openapi.py holds the document to the routes actually served, both ways, and
checks real answers against the schemas declared for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PREFIX = "/api/comptoir/v1"
Json = dict[str, Any]


@dataclass(frozen=True)
class Section:
    tag: str
    description: str
    paths: Json
    schemas: Json = field(default_factory=dict)


# ------------------------------------------------------------ building blocks for sections


def ref(schema: str) -> Json:
    return {"$ref": f"#/components/schemas/{schema}"}


def json_body(schema: str, description: str) -> Json:
    return {
        "required": True,
        "description": description,
        "content": {"application/json": {"schema": ref(schema)}},
    }


def answer(description: str, schema: str | None = None, media: str = "application/json") -> Json:
    if schema is None:
        return {"description": description}
    return {"description": description, "content": {media: {"schema": ref(schema)}}}


def errors(*statuses: int) -> Json:
    """Error answers, all in the one shape `Error`."""
    return {str(s): {"$ref": f"#/components/responses/{ERROR_RESPONSES[s]}"} for s in statuses}


def query(name: str, schema: Json, description: str, *, required: bool = False) -> Json:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }


def path(name: str, description: str) -> Json:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


def operation(
    operation_id: str,
    summary: str,
    tag: str,
    responses: Json,
    *,
    params: list[Json] | None = None,
    body: Json | None = None,
    public: bool = False,
) -> Json:
    op: Json = {
        "operationId": operation_id,
        "summary": summary,
        "tags": [tag],
        "responses": responses,
    }
    if params:
        op["parameters"] = params
    if body is not None:
        op["requestBody"] = body
    if public:
        op["security"] = []
    return op


ERROR_RESPONSES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    413: "TooLarge",
    422: "Refused",
    502: "BadGateway",
}
ERROR_TEXT = {
    400: "The request is malformed (the code and message name the field).",
    401: "No token, or an unknown or revoked one.",
    403: "The token's member may not do this (suspended, pending, or not an admin).",
    404: "No such member, account or transfer.",
    409: "The request conflicts with what is stored (an id reused with other fields, "
    "a resolved transfer).",
    413: "The body is too large.",
    422: "The rules refuse it (over the credit limit, paying oneself, a suspended payee).",
    502: "Another server could not be reached or gave nothing usable (code server_unreachable or "
    "account_unusable; the detail is in the city's log).",
}

COMMON_SCHEMAS: Json = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string", "description": "stable, for programs"},
                    "message": {"type": "string", "description": "for people"},
                },
            }
        },
    },
    "Amount": {
        "type": "string",
        "pattern": r"^-?[0-9]+(\.[0-9]+)?$",
        "description": "A decimal amount of the city currency, as a string (never a JSON number)",
        "examples": ["12.50"],
    },
}

# ------------------------------------------------------------ the document itself
