"""The OpenAPI description of the ledger routes (api/ledger.py): paths, parameters, bodies, answers.

Response schemas are closed (`additionalProperties: false`), so the tests that validate real
answers against them fail when a handler and its description drift apart.
"""

from __future__ import annotations

from .openapi import Json, Section, answer, errors, json_body, operation, path, query, ref

TAG = "ledger"

_AMOUNT = ref("Amount")
_OPTIONAL_AMOUNT = {"oneOf": [ref("Amount"), {"type": "null"}]}
_TIME = {"type": "string", "format": "date-time"}
_OPTIONAL_TIME = {"oneOf": [_TIME, {"type": "null"}]}
_OPTIONAL_TEXT = {"type": ["string", "null"]}
_STATUS = {"type": "string", "enum": ["posted", "pending", "voided", "expired"]}
_KIND = {
    "type": "string",
    "enum": ["payment", "agreement", "adjustment", "demurrage", "settlement"],
}
_CLIENT_ID = {
    "type": "string",
    "pattern": "^[A-Za-z0-9_-]{1,64}$",
    "description": "Chosen by the client and kept for retries: the same id with the same fields "
    "returns the stored transfer (200); with other fields it is refused (409). "
    "Without it the server makes one, and a retry pays twice.",
}


def _closed(properties: Json, description: str = "") -> Json:
    schema: Json = {
        "type": "object",
        "additionalProperties": False,
        "required": sorted(properties),
        "properties": properties,
    }
    if description:
        schema["description"] = description
    return schema


SCHEMAS: Json = {
    "Account": _closed(
        {
            "account": {"type": "string", "description": "member:NAME, system:NAME or peer:URI"},
            "kind": {"type": "string", "enum": ["member", "system", "peer"]},
            "currency": {"type": "string"},
            "balance": _AMOUNT,
            "pending_debits": _AMOUNT,
            "pending_credits": _AMOUNT,
            "available": {
                **_OPTIONAL_AMOUNT,
                "description": "What can still be paid within the credit limit; "
                "null without a limit",
            },
            "credit_limit": {
                **_OPTIONAL_AMOUNT,
                "description": "The balance may go down to minus this; null: no limit",
            },
            "max_balance": _OPTIONAL_AMOUNT,
        }
    ),
    "Leg": _closed(
        {
            "debit": {"type": "string"},
            "credit": {"type": "string"},
            "amount": _AMOUNT,
            "purpose": {"type": "string", "enum": ["amount", "fee"]},
        }
    ),
    "Transfer": _closed(
        {
            "id": {"type": "string"},
            "kind": _KIND,
            "status": _STATUS,
            "amount": _AMOUNT,
            "fee": _AMOUNT,
            "memo": {"type": "string"},
            "reference": _OPTIONAL_TEXT,
            "corrects": _OPTIONAL_TEXT,
            "created_at": _TIME,
            "resolved_at": _OPTIONAL_TIME,
            "expires_at": _OPTIONAL_TIME,
            "legs": {"type": "array", "items": ref("Leg")},
        },
        "An immutable transfer: its legs each move an amount from the debit to the credit account.",
    ),
    "Entry": _closed(
        {
            "transfer": {"type": "string"},
            "kind": _KIND,
            "status": _STATUS,
            "purpose": {"type": "string", "enum": ["amount", "fee"]},
            "counterparty": {"type": "string"},
            "amount": {**_AMOUNT, "description": "Positive when credited, negative when debited"},
            "memo": {"type": "string"},
            "created_at": _TIME,
            "resolved_at": _OPTIONAL_TIME,
        },
        "One statement line: one leg seen from the account.",
    ),
    "Statement": _closed(
        {
            "account": ref("Account"),
            "entries": {"type": "array", "items": ref("Entry")},
            "next_cursor": {
                "type": ["string", "null"],
                "description": "Pass as cursor for older lines; null at the end",
            },
        }
    ),
    "AccountPage": _closed(
        {
            "accounts": {"type": "array", "items": ref("Account")},
            "next_cursor": {"type": ["string", "null"]},
        }
    ),
    "Totals": _closed(
        {
            "accounts": {"type": "integer"},
            "balance_sum": _AMOUNT,
            "debits_posted": _AMOUNT,
            "credits_posted": _AMOUNT,
            "debits_pending": _AMOUNT,
            "credits_pending": _AMOUNT,
            "balanced": {
                "type": "boolean",
                "description": "The balances add up to zero and pending debits equal credits",
            },
        }
    ),
    "PaymentRequest": {
        "type": "object",
        "additionalProperties": False,
        "required": ["to", "amount"],
        "properties": {
            "id": _CLIENT_ID,
            "to": {"type": "string", "description": "The payee's username"},
            "amount": {
                **_AMOUNT,
                "description": "More than zero, at most the currency's decimal places",
            },
            "memo": {"type": "string", "maxLength": 500},
        },
    },
    "AdjustmentRequest": {
        "type": "object",
        "additionalProperties": False,
        "required": ["account", "amount", "direction", "reason"],
        "properties": {
            "id": _CLIENT_ID,
            "account": {"type": "string", "description": "alice, member:alice or system:NAME"},
            "amount": _AMOUNT,
            "direction": {
                "type": "string",
                "enum": ["credit", "debit"],
                "description": "credit raises the account's balance, debit lowers it",
            },
            "reason": {"type": "string", "minLength": 1},
            "corrects": {
                "type": "string",
                "description": "The id of the transfer this one corrects",
            },
        },
    },
    "LimitsRequest": {
        "type": "object",
        "additionalProperties": False,
        "required": ["account", "reason"],
        "properties": {
            "account": {"type": "string"},
            "credit_limit": {
                **_OPTIONAL_AMOUNT,
                "description": "Absent: unchanged; null: no limit",
            },
            "max_balance": {
                **_OPTIONAL_AMOUNT,
                "description": "Absent: unchanged; null: no ceiling",
            },
            "reason": {"type": "string", "minLength": 1},
        },
    },
}

_ACCOUNT = query(
    "account", {"type": "string"}, "Admins only: another account (member:NAME, system:NAME)"
)
_LIMIT = query(
    "limit", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}, "Lines per page"
)
_CURSOR = query("cursor", {"type": "string"}, "next_cursor of the previous page")

PATHS: Json = {
    "/ledger/account": {
        "get": operation(
            "getAccount",
            "Balance and limits of my account (or, for admins, another)",
            TAG,
            {"200": answer("The account", "Account"), **errors(400, 401, 403, 404)},
            params=[_ACCOUNT],
        )
    },
    "/ledger/statement": {
        "get": operation(
            "getStatement",
            "My statement, newest first, a page at a time",
            TAG,
            {"200": answer("A page of lines", "Statement"), **errors(400, 401, 403, 404)},
            params=[_ACCOUNT, _LIMIT, _CURSOR],
        )
    },
    "/ledger/statement.csv": {
        "get": operation(
            "getStatementCsv",
            "My statement as CSV, by date range",
            TAG,
            {
                "200": {
                    "description": "CSV with a header row: date, transfer, kind, status, "
                    "purpose, counterparty, debit, credit, memo",
                    "content": {"text/csv": {"schema": {"type": "string"}}},
                },
                **errors(400, 401, 403, 404),
            },
            params=[
                _ACCOUNT,
                query(
                    "from",
                    {"type": "string", "format": "date"},
                    "First day included (UTC), YYYY-MM-DD",
                ),
                query(
                    "to",
                    {"type": "string", "format": "date"},
                    "Last day included (UTC), not before from",
                ),
            ],
        )
    },
    "/ledger/transfers": {
        "post": operation(
            "createTransfer",
            "Pay another member of the city, with a memo",
            TAG,
            {
                "201": answer("Paid", "Transfer"),
                "200": answer("Already paid with this id: the stored transfer", "Transfer"),
                **errors(400, 401, 403, 404, 409, 413, 422),
            },
            body=json_body("PaymentRequest", "Whom to pay, how much, why"),
        )
    },
    "/ledger/transfers/{id}": {
        "get": operation(
            "getTransfer",
            "One transfer I am party to (admins: any)",
            TAG,
            {"200": answer("The transfer", "Transfer"), **errors(401, 403, 404)},
            params=[path("id", "The transfer's id")],
        )
    },
    "/ledger/accounts": {
        "get": operation(
            "listAccounts",
            "Admin: every account",
            TAG,
            {"200": answer("A page of accounts", "AccountPage"), **errors(400, 401, 403)},
            params=[_LIMIT, _CURSOR],
        )
    },
    "/ledger/totals": {
        "get": operation(
            "getTotals",
            "Admin: the sums of all accounts (the balances must add up to zero)",
            TAG,
            {"200": answer("The sums", "Totals"), **errors(401, 403)},
        )
    },
    "/ledger/adjustments": {
        "post": operation(
            "createAdjustment",
            "Admin: credit or debit an account against system:adjustments, with a reason",
            TAG,
            {
                "201": answer("Adjusted", "Transfer"),
                "200": answer("Already adjusted with this id", "Transfer"),
                **errors(400, 401, 403, 404, 409, 413, 422),
            },
            body=json_body("AdjustmentRequest", "The adjustment"),
        )
    },
    "/ledger/limits": {
        "post": operation(
            "changeLimits",
            "Admin: change an account's credit limit or maximum balance, with a reason",
            TAG,
            {
                "200": answer("The account with its new limits", "Account"),
                **errors(400, 401, 403, 404, 409, 413, 422),
            },
            body=json_body("LimitsRequest", "The new limits"),
        )
    },
}

SECTION = Section(
    tag=TAG,
    description="The city currency: balances, payments, statements.",
    paths=PATHS,
    schemas=SCHEMAS,
)
