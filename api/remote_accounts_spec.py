"""The OpenAPI description of remote-account suspensions (api/remote_accounts.py)."""

from __future__ import annotations

from .openapi import Json, Section, answer, errors, json_body, operation, ref

TAG = "remote accounts"

SCHEMAS: Json = {
    "RemoteAccount": {
        "type": "object",
        "additionalProperties": False,
        "required": ["account", "actor", "suspended_at"],
        "properties": {
            "account": {"type": "string", "description": "@name@host"},
            "actor": {"type": "string", "description": "The actor's id"},
            "suspended_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "RemoteAccountList": {"type": "array", "items": ref("RemoteAccount")},
    "RemoteAccountChange": {
        "type": "object",
        "additionalProperties": False,
        "required": ["account"],
        "properties": {
            "account": {
                "type": "string",
                "description": "@name@host, name@host, or the actor's URL (an account we know)",
            },
            "reason": {"type": "string", "description": "For the moderation log"},
        },
    },
}

_CHANGE = json_body("RemoteAccountChange", "Which account, and why")

PATHS: Json = {
    "/admin/remote-accounts": {
        "get": operation(
            "listSuspendedRemoteAccounts",
            "Remote accounts suspended here, the latest first (moderators)",
            TAG,
            {"200": answer("Suspended accounts", "RemoteAccountList"), **errors(401, 403)},
        )
    },
    "/admin/remote-accounts/suspend": {
        "post": operation(
            "suspendRemoteAccount",
            "Suspend a remote account: refused and hidden, nothing deleted (moderators)",
            TAG,
            {"200": answer("The account", "RemoteAccount"), **errors(400, 401, 403, 404, 409)},
            body=_CHANGE,
        )
    },
    "/admin/remote-accounts/unsuspend": {
        "post": operation(
            "unsuspendRemoteAccount",
            "Lift a remote account's suspension: heard and shown again (moderators)",
            TAG,
            {"200": answer("The account", "RemoteAccount"), **errors(400, 401, 403, 404, 409)},
            body=_CHANGE,
        )
    },
}

SECTION = Section(
    tag=TAG,
    description="Suspending remote accounts one by one, reversibly.",
    paths=PATHS,
    schemas=SCHEMAS,
)
