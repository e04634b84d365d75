"""The OpenAPI description of the partner routes (api/partners.py)."""

from __future__ import annotations

from .openapi import Json, Section, answer, errors, json_body, operation, path, ref

TAG = "partners"

_TIME = {"type": "string", "format": "date-time"}
_OPTIONAL_TIME = {"type": ["string", "null"], "format": "date-time"}
_OPTIONAL_STRING = {"type": ["string", "null"]}
_AMOUNT = ref("Amount")
_OPTIONAL_AMOUNT = {"oneOf": [ref("Amount"), {"type": "null"}]}
_STATUS = {"type": "string", "enum": ["proposed", "active", "suspended", "retired", "rejected"]}


def _closed(properties: Json, required: list[str] | None = None) -> Json:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": sorted(properties) if required is None else required,
        "properties": properties,
    }


SCHEMAS: Json = {
    "ExchangeRuleVersion": _closed(
        {
            "id": {"type": "string", "description": "The version's id, the same in both cities"},
            "version": {"type": "integer"},
            "status": _STATUS,
            "hash": {
                "type": "string",
                "description": "sha256 of the canonical form (docs/FEDERATION.md), hex",
            },
            "proposed_by_us": {"type": "boolean"},
            "proposer": {"type": "string", "description": "The proposing city's instance actor"},
            "responder": {"type": "string"},
            "proposer_currency": {"type": "string"},
            "responder_currency": {"type": "string"},
            "rate": {
                "type": "string",
                "description": "N/D: one unit of the proposer's currency buys N/D of the other",
            },
            "fee_bps": {"type": "integer"},
            "min_amount": _AMOUNT,
            "max_amount": _AMOUNT,
            "import_cap": _AMOUNT,
            "export_cap": _AMOUNT,
            "valid_from": _TIME,
            "valid_until": _OPTIONAL_TIME,
            "replaces": _OPTIONAL_STRING,
            "suspended_by": _OPTIONAL_STRING,
            "reason": {"type": "string"},
            "created_at": _TIME,
            "activated_at": _OPTIONAL_TIME,
            "ended_at": _OPTIONAL_TIME,
        }
    ),
    "NetPosition": _closed(
        {
            "balance": _AMOUNT,
            "pending_debits": _AMOUNT,
            "pending_credits": _AMOUNT,
            "min_balance": _OPTIONAL_AMOUNT,
            "max_balance": _OPTIONAL_AMOUNT,
            "status": {
                "type": "string",
                "enum": ["OK", "ALERT", "KO"],
                "description": "ALERT past half a cap, KO at a cap (pending counted)",
            },
        }
    ),
    "Partner": _closed(
        {
            "domain": {"type": "string"},
            "partner": {"type": "string", "description": "Its instance actor"},
            "currency": {"type": "string"},
            "rule": {"oneOf": [ref("ExchangeRuleVersion"), {"type": "null"}]},
            "waiting": {"type": "array", "items": ref("ExchangeRuleVersion")},
            "position": ref("NetPosition"),
            "versions": {"type": "array", "items": ref("ExchangeRuleVersion")},
        },
        ["currency", "domain", "partner", "position", "rule", "waiting"],
    ),
    "PartnerList": _closed({"partners": {"type": "array", "items": ref("Partner")}}),
    "RuleProposal": _closed(
        {
            "domain": {"type": "string", "description": "The partner city's domain"},
            "rate": {"type": "string", "description": "N/D: one unit of ours buys N/D of theirs"},
            "min": _AMOUNT,
            "max": _AMOUNT,
            "import_cap": _AMOUNT,
            "export_cap": _AMOUNT,
            "until": {"type": "string", "description": "Last day (YYYY-MM-DD) or an ISO time"},
            "fee_bps": {"type": "integer", "minimum": 0, "maximum": 9999},
            "currency": {
                "type": "string",
                "description": "The partner's currency as you expect it (checked)",
            },
        },
        ["domain", "export_cap", "import_cap", "max", "min", "rate"],
    ),
    "RuleAnswer": _closed({"version": {"type": "integer"}, "reason": {"type": "string"}}, []),
    "RuleSuspension": _closed({"reason": {"type": "string"}}, []),
}

_DOMAIN = path("domain", "The partner city's domain")


def _answer_op(op_id: str, summary: str, body: str) -> Json:
    return {
        "post": operation(
            op_id,
            summary,
            TAG,
            {
                "200": answer("The version", "ExchangeRuleVersion"),
                **errors(400, 401, 403, 404, 409),
            },
            params=[_DOMAIN],
            body=json_body(body, "Optional fields"),
        )
    }


PATHS: Json = {
    "/partners": {
        "get": operation(
            "listPartners",
            "Admin: partner cities, the rule in force with each, the net position",
            TAG,
            {"200": answer("The partners", "PartnerList"), **errors(401, 403)},
        ),
        "post": operation(
            "proposeRule",
            "Admin: propose an exchange rule (or a new version) to a city",
            TAG,
            {
                "201": answer("The proposed version", "ExchangeRuleVersion"),
                **errors(400, 401, 403, 409, 422),
            },
            body=json_body("RuleProposal", "The terms, amounts in our currency"),
        ),
    },
    "/partners/{domain}": {
        "get": operation(
            "showPartner",
            "Admin: a partner with every version of its rule",
            TAG,
            {"200": answer("The partner", "Partner"), **errors(401, 403, 404)},
            params=[_DOMAIN],
        )
    },
    "/partners/{domain}/accept": _answer_op(
        "acceptRule", "Admin: accept the partner's proposal (latest, or `version`)", "RuleAnswer"
    ),
    "/partners/{domain}/reject": _answer_op(
        "rejectRule", "Admin: reject the partner's proposal", "RuleAnswer"
    ),
    "/partners/{domain}/suspend": _answer_op(
        "suspendRule",
        "Admin: suspend the rule in force at once (the partner is told)",
        "RuleSuspension",
    ),
    "/partners/{domain}/resume": _answer_op(
        "resumeRule", "Admin: resume a rule we suspended", "Empty"
    ),
}

SECTION = Section(
    tag=TAG,
    description="Partner cities and the exchange rules both cities agree (admins only).",
    paths=PATHS,
    schemas=SCHEMAS,
)
