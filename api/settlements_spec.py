"""The OpenAPI description of the settlement routes (api/settlements.py)."""

from __future__ import annotations

from .listings_spec import closed
from .openapi import Json, Section, answer, errors, operation, path, query, ref

TAG = "settlements"

_TEXT = {"type": "string"}
_TIME = {"type": "string", "format": "date-time"}
_NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
_NULLABLE = {"type": ["string", "null"]}
STATES = ["preparing", "prepared", "committed", "acked", "rejected", "aborted"]

SCHEMAS: Json = {
    "Settlement": closed(
        {
            "id": _TEXT,
            "uri": {**_TEXT, "description": "The payer city's Settlement object: the same in both"},
            "role": {"type": "string", "enum": ["payer", "payee"]},
            "state": {"type": "string", "enum": STATES},
            "partner": {**_TEXT, "description": "The other city's instance actor"},
            "agreement": _TEXT,
            "payer": _TEXT,
            "payee": _TEXT,
            "source": {**ref("Money"), "description": "What the payer pays, in its currency"},
            "target": {**ref("Money"), "description": "What the payee gets, in its currency"},
            "fee": {**ref("Amount"), "description": "The fee leg at the payer's city"},
            "rule": _TEXT,
            "rule_hash": _TEXT,
            "expires_at": _NULLABLE_TIME,
            "decision_deadline": _NULLABLE_TIME,
            "code": {**_NULLABLE, "description": "Why it was refused or aborted"},
            "reason": _NULLABLE,
            "temporary": {"type": "boolean", "description": "Retrying later may succeed"},
            "disputed": {"type": "boolean", "description": "An admin forced the outcome"},
            "created_at": _TIME,
            "decided_at": _NULLABLE_TIME,
        },
        "A cross-city payment, presumed-abort two-phase commit between the two cities",
    ),
    "SettlementPage": closed({"settlements": {"type": "array", "items": ref("Settlement")}}),
    "Reconciliation": closed(
        {
            "partner": _TEXT,
            "status": {"type": "string", "enum": ["OK", "ALERT", "KO", "STALE"]},
            "checked_at": _TIME,
            "our_count": {"type": "integer"},
            "their_count": {"type": "integer"},
            "our_hash": _TEXT,
            "their_hash": _TEXT,
            "differing": {
                "type": "array",
                "items": _TEXT,
                "description": "Settlement ids on one side only, or with other amounts",
            },
            "detail": _TEXT,
        },
        "The latest comparison of our committed settlements with the partner's statement",
    ),
    "ReconciliationPage": closed(
        {"reconciliations": {"type": "array", "items": ref("Reconciliation")}}
    ),
}

PATHS: Json = {
    "/settlements": {
        "get": operation(
            "listSettlements",
            "Admins: the settlements with other cities, newest first",
            TAG,
            {"200": answer("Settlements", "SettlementPage"), **errors(400, 401, 403)},
            params=[
                query("state", {"type": "string", "enum": STATES}, "Only those in this state"),
                query(
                    "limit",
                    {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
                    "How many",
                ),
            ],
        )
    },
    "/settlements/reconciliations": {
        "get": operation(
            "listReconciliations",
            "Admins: the latest statement comparison with each partner city; KO stops new "
            "settlements with it",
            TAG,
            {"200": answer("Comparisons", "ReconciliationPage"), **errors(401, 403)},
        )
    },
    "/settlements/{id}": {
        "get": operation(
            "getSettlement",
            "Admins: one settlement",
            TAG,
            {"200": answer("The settlement", "Settlement"), **errors(401, 403, 404)},
            params=[path("id", "The settlement's id")],
        )
    },
}

SECTION = Section(
    TAG,
    "Cross-city payments: each is held at both cities, then committed or aborted by the payer's",
    PATHS,
    SCHEMAS,
)
