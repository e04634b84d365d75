"""The OpenAPI description of the report routes (api/reports.py)."""

from __future__ import annotations

from .openapi import Json, Section, answer, errors, json_body, operation, path, query, ref

TAG = "reports"

_TIME = {"type": "string", "format": "date-time"}
_NULLABLE = {"type": ["string", "null"]}


def _closed(properties: Json, required: list[str] | None = None) -> Json:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": sorted(properties) if required is None else required,
        "properties": properties,
    }


SCHEMAS: Json = {
    "Report": _closed(
        {
            "id": {"type": "string"},
            "state": {"type": "string", "enum": ["open", "closed"]},
            "account": {"type": "string", "description": "The reported account's actor id"},
            "objects": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Reported listings, notes, messages",
            },
            "comment": {"type": "string", "description": "The reporter's reason"},
            "reporter": {
                **_NULLABLE,
                "description": "The reporting member; null for a report from another server",
            },
            "origin": {**_NULLABLE, "description": "The server a Flag came from"},
            "forwarded": {
                **_NULLABLE,
                "description": "The id of the Flag sent to the account's server",
            },
            "actions": {
                "type": "array",
                "items": _closed(
                    {
                        "action": {"type": "string"},
                        "detail": {"type": "string"},
                        "by": _NULLABLE,
                        "at": _TIME,
                    }
                ),
            },
            "created_at": _TIME,
            "closed_at": {"type": ["string", "null"], "format": "date-time"},
            "resolution": _NULLABLE,
        }
    ),
    "ReportPage": _closed(
        {"reports": {"type": "array", "items": ref("Report")}, "next_cursor": _NULLABLE}
    ),
    "ReportRequest": _closed(
        {
            "target": {
                "type": "string",
                "description": "@name, @user@host, an account URL, or the URL of a listing or note",
            },
            "comment": {"type": "string", "minLength": 1, "maxLength": 5000},
            "objects": {
                "type": "array",
                "items": {"type": "string"},
                "maxItems": 20,
                "description": "More objects of the same account",
            },
        },
        ["comment", "target"],
    ),
    "ReportAction": _closed(
        {
            "action": {
                "type": "string",
                "enum": ["hide", "take_down", "suspend_account", "block_domain"],
            },
            "reason": {"type": "string"},
            "severity": {
                "type": "string",
                "enum": ["suspend", "silence", "noop"],
                "description": "For block_domain",
            },
        },
        ["action"],
    ),
    "ReportForward": _closed(
        {"note": {"type": "string", "description": "Added to the reporter's reason"}}, []
    ),
    "ReportClose": _closed(
        {"resolution": {"type": "string", "description": "The moderator's closing note"}}
    ),
}

_ID = path("id", "The report's id")

PATHS: Json = {
    "/reports": {
        "post": operation(
            "fileReport",
            "Report an account, a listing or a message to this city's moderators",
            TAG,
            {"201": answer("Filed", "Report"), **errors(400, 401, 403, 404, 413)},
            body=json_body("ReportRequest", "What and why"),
        )
    },
    "/admin/reports": {
        "get": operation(
            "listReports",
            "Moderators: the report queue, newest first",
            TAG,
            {"200": answer("A page of reports", "ReportPage"), **errors(400, 401, 403)},
            params=[
                query(
                    "state",
                    {"type": "string", "enum": ["open", "closed", "all"], "default": "open"},
                    "Which",
                ),
                query(
                    "limit",
                    {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
                    "Per page",
                ),
                query("cursor", {"type": "string"}, "next_cursor of the previous page"),
            ],
        )
    },
    "/admin/reports/{id}": {
        "get": operation(
            "getReport",
            "Moderators: one report with what was done",
            TAG,
            {"200": answer("The report", "Report"), **errors(401, 403, 404)},
            params=[_ID],
        )
    },
    "/admin/reports/{id}/actions": {
        "post": operation(
            "actOnReport",
            "Moderators: hide or take down its objects, suspend the account, block its domain",
            TAG,
            {
                "200": answer("The report, with the action", "Report"),
                **errors(400, 401, 403, 404, 409, 413, 422),
            },
            params=[_ID],
            body=json_body("ReportAction", "The action"),
        )
    },
    "/admin/reports/{id}/forward": {
        "post": operation(
            "forwardReport",
            "Moderators: send the report to the account's server as a Flag",
            TAG,
            {"200": answer("The report, forwarded", "Report"), **errors(400, 401, 403, 404, 409)},
            params=[_ID],
            body=json_body("ReportForward", "An optional note"),
        )
    },
    "/admin/reports/{id}/close": {
        "post": operation(
            "closeReport",
            "Moderators: close a report with a note",
            TAG,
            {"200": answer("The report, closed", "Report"), **errors(400, 401, 403, 404, 409)},
            params=[_ID],
            body=json_body("ReportClose", "The closing note"),
        )
    },
}

SECTION = Section(
    tag=TAG,
    description="Reports to moderators, and the moderators' queue.",
    paths=PATHS,
    schemas=SCHEMAS,
)
