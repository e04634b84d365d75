"""The OpenAPI description of the federation administration routes (api/admin_domains.py).

Allow and block entries are managed through Mastodon's own admin routes
(`/api/v1/admin/domain_allows`, `/api/v1/admin/domain_blocks`), outside this document's prefix;
docs/FEDERATION.md describes them.
"""

from __future__ import annotations

from .openapi import Json, Section, answer, errors, json_body, operation, path, query, ref

TAG = "federation"

_TIME = {"type": "string", "format": "date-time"}
_OPTIONAL_TIME = {"type": ["string", "null"], "format": "date-time"}
_STRINGS = {"type": "array", "items": {"type": "string"}}
_KIND = {"type": "string", "enum": ["allow", "block"]}


def _closed(properties: Json, required: list[str] | None = None) -> Json:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": sorted(properties) if required is None else required,
        "properties": properties,
    }


_CHANGES = _closed(
    {"added": _STRINGS, "removed": _STRINGS, "drafted": _STRINGS, "skipped": _STRINGS}
)

SCHEMAS: Json = {
    "PublishedList": _closed(
        {
            "kind": {"type": "string", "enum": ["allow"]},
            "city": {"type": "string", "description": "The publishing city's base URL"},
            "updated_at": _OPTIONAL_TIME,
            "domains": {
                "type": "array",
                "items": _closed(
                    {"domain": {"type": "string"}, "public_comment": {"type": "string"}}
                ),
            },
        }
    ),
    "ServerRule": _closed({"text": {"type": "string"}, "hint": {"type": "string"}}, ["text"]),
    "InstanceSettings": _closed(
        {
            "federation_mode": {
                "type": "string",
                "enum": ["open", "blocklist", "allowlist"],
                "description": "In force now: the admin's choice, else instance.toml's",
            },
            "configured_mode": {"type": "string", "enum": ["open", "blocklist", "allowlist"]},
            "domains_visibility": {"type": "string", "enum": ["none", "users", "all"]},
            "allowlist_published": {"type": "boolean"},
            "rules": {"type": "array", "items": ref("ServerRule")},
        }
    ),
    "InstanceChange": _closed(
        {
            "federation_mode": {"type": "string", "enum": ["open", "blocklist", "allowlist"]},
            "domains_visibility": {"type": "string", "enum": ["none", "users", "all"]},
            "allowlist_published": {"type": "boolean"},
            "rules": {
                "type": "array",
                "items": ref("ServerRule"),
                "description": "Replaces every rule, in order",
            },
            "reason": {"type": "string"},
        },
        [],
    ),
    "ImportRequest": _closed(
        {
            "kind": _KIND,
            "format": {
                "type": "string",
                "enum": ["csv", "json", "text"],
                "description": "Default: guessed from content",
            },
            "content": {
                "type": "string",
                "description": "The list: Mastodon CSV, GoToSocial JSON, or one domain per line",
            },
            "dry_run": {
                "type": "boolean",
                "description": "Report what would change, write nothing",
            },
        },
        ["content", "kind"],
    ),
    "ImportPlan": _closed(
        {
            "dry_run": {"type": "boolean"},
            "added": _STRINGS,
            "updated": _STRINGS,
            "unchanged": _STRINGS,
            "removed": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "What each new suspension removed (or would remove)",
            },
        }
    ),
    "Subscription": _closed(
        {
            "id": {"type": "string"},
            "url": {"type": "string"},
            "kind": _KIND,
            "review": {"type": "boolean", "description": "Changes wait as drafts"},
            "every_hours": {"type": "integer"},
            "count": {"type": "integer"},
            "error": {"type": ["string", "null"], "description": "Why the last refresh failed"},
            "created_at": _TIME,
            "fetched_at": _OPTIONAL_TIME,
            "succeeded_at": _OPTIONAL_TIME,
            "next_refresh_at": _TIME,
            "last_changes": _CHANGES,
        }
    ),
    "SubscriptionList": {"type": "array", "items": ref("Subscription")},
    "SubscriptionRequest": _closed(
        {
            "url": {
                "type": "string",
                "description": "A published list, e.g. another city's "
                "/api/comptoir/v1/federation/allowlist",
            },
            "kind": _KIND,
            "review": {"type": "boolean", "default": True},
            "every_hours": {"type": "integer", "minimum": 1, "maximum": 720, "default": 24},
        },
        ["url"],
    ),
    "SubscriptionRefresh": _closed({"subscription": ref("Subscription"), "changes": _CHANGES}),
    "Unsubscribed": _closed({"entries": {"type": "integer"}, "removed": {"type": "boolean"}}),
    "Draft": _closed(
        {
            "id": {"type": "string"},
            "subscription_id": {"type": "string"},
            "domain": {"type": "string"},
            "kind": _KIND,
            "action": {"type": "string", "enum": ["add", "remove"]},
            "state": {"type": "string", "enum": ["pending", "rejected", "accepted"]},
            "severity": {"type": "string"},
            "public_comment": {"type": "string"},
            "created_at": _TIME,
        }
    ),
    "DraftList": {"type": "array", "items": ref("Draft")},
    "Empty": _closed({}, []),
    "LogPage": _closed(
        {
            "entries": {
                "type": "array",
                "items": _closed(
                    {
                        "id": {"type": "string"},
                        "at": _TIME,
                        "by": {"type": ["string", "null"]},
                        "action": {"type": "string"},
                        "target_type": {"type": "string"},
                        "target": {"type": "string"},
                        "reason": {"type": "string"},
                    }
                ),
            },
            "next_cursor": {"type": ["string", "null"]},
        }
    ),
}

_ID = path("id", "The subscription's or draft's id")
_EMPTY = json_body("Empty", "Nothing (an empty object)")

PATHS: Json = {
    "/federation/allowlist": {
        "get": operation(
            "getPublishedAllowlist",
            "This city's published allow-list, for other cities to subscribe to",
            TAG,
            {"200": answer("The list", "PublishedList"), **errors(404)},
            public=True,
        )
    },
    "/admin/instance": {
        "get": operation(
            "getInstanceSettings",
            "Admin: federation mode, rules, what the public sees",
            TAG,
            {"200": answer("The settings", "InstanceSettings"), **errors(401, 403)},
        ),
        "post": operation(
            "changeInstanceSettings",
            "Admin: change the mode (no restart), rules, visibility",
            TAG,
            {"200": answer("The settings", "InstanceSettings"), **errors(400, 401, 403, 413)},
            body=json_body("InstanceChange", "Only the fields given change"),
        ),
    },
    "/admin/domains/import": {
        "post": operation(
            "importDomains",
            "Admin: import a list, all or nothing (a broken row refuses it all)",
            TAG,
            {
                "200": answer("What changed (or would)", "ImportPlan"),
                **errors(400, 401, 403, 413, 422),
            },
            body=json_body("ImportRequest", "The list and its kind"),
        )
    },
    "/admin/domains/export": {
        "get": operation(
            "exportDomains",
            "Admin: the list in Mastodon CSV, GoToSocial JSON or plain text",
            TAG,
            {
                "200": {
                    "description": "The list (private comments left out)",
                    "content": {
                        "text/csv": {"schema": {"type": "string"}},
                        "text/plain": {"schema": {"type": "string"}},
                    },
                },
                **errors(400, 401, 403),
            },
            params=[
                query("kind", _KIND, "allow or block (default block)"),
                query("format", {"type": "string", "enum": ["csv", "json", "text"]}, "Default csv"),
            ],
        )
    },
    "/admin/domain-subscriptions": {
        "get": operation(
            "listSubscriptions",
            "Admin: subscriptions to published lists",
            TAG,
            {"200": answer("The subscriptions", "SubscriptionList"), **errors(401, 403)},
        ),
        "post": operation(
            "subscribe",
            "Admin: subscribe (the URL is fetched first: nothing is stored if it fails)",
            TAG,
            {
                "201": answer("Subscribed", "SubscriptionRefresh"),
                **errors(400, 401, 403, 409, 413, 422),
            },
            body=json_body("SubscriptionRequest", "The list to follow"),
        ),
    },
    "/admin/domain-subscriptions/{id}": {
        "delete": operation(
            "unsubscribe",
            "Admin: end a subscription (its entries stay, as the admin's own, "
            "unless remove_entries)",
            TAG,
            {"200": answer("Done", "Unsubscribed"), **errors(401, 403, 404)},
            params=[
                _ID,
                query(
                    "remove_entries",
                    {"type": "string", "enum": ["true", "false"]},
                    "Also remove the entries it made",
                ),
            ],
        )
    },
    "/admin/domain-subscriptions/{id}/refresh": {
        "post": operation(
            "refreshSubscription",
            "Admin: fetch and apply (or draft) the list now",
            TAG,
            {
                "200": answer("What changed", "SubscriptionRefresh"),
                **errors(400, 401, 403, 404, 422),
            },
            params=[_ID],
            body=_EMPTY,
        )
    },
    "/admin/domain-drafts": {
        "get": operation(
            "listDrafts",
            "Admin: changes proposed by subscriptions, waiting for review",
            TAG,
            {"200": answer("The drafts", "DraftList"), **errors(401, 403)},
        )
    },
    "/admin/domain-drafts/{id}/accept": {
        "post": operation(
            "acceptDraft",
            "Admin: apply a proposed change",
            TAG,
            {"200": answer("Applied", "Draft"), **errors(400, 401, 403, 404, 422)},
            params=[_ID],
            body=_EMPTY,
        )
    },
    "/admin/domain-drafts/{id}/reject": {
        "post": operation(
            "rejectDraft",
            "Admin: refuse a proposed change (it is not proposed again)",
            TAG,
            {"200": answer("Refused", "Draft"), **errors(400, 401, 403, 404)},
            params=[_ID],
            body=_EMPTY,
        )
    },
    "/admin/moderation-log": {
        "get": operation(
            "getModerationLog",
            "Admin: every moderation decision, newest first",
            TAG,
            {"200": answer("A page of the log", "LogPage"), **errors(400, 401, 403)},
            params=[
                query(
                    "limit",
                    {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
                    "Lines per page",
                ),
                query("cursor", {"type": "string"}, "next_cursor of the previous page"),
            ],
        )
    },
}

SECTION = Section(
    tag=TAG,
    description="Federation policy: mode, lists, subscriptions, the moderation log. "
    "Allow and block entries: Mastodon's /api/v1/admin/domain_allows and "
    "/api/v1/admin/domain_blocks.",
    paths=PATHS,
    schemas=SCHEMAS,
)
