"""The OpenAPI description of discussions (api/discussions.py)."""

from __future__ import annotations

from .openapi import Json, Section, answer, errors, json_body, operation, path, query, ref

TAG = "discussions"

_TIME = {"type": "string", "format": "date-time"}
_MAYBE_TIME = {"type": ["string", "null"], "format": "date-time"}


def _closed(properties: Json, optional: tuple[str, ...] = ()) -> Json:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": sorted(k for k in properties if k not in optional),
        "properties": properties,
    }


_SPACE: Json = {
    "slug": {"type": "string", "description": "The Group's name: acct:slug@city"},
    "actor": {"type": "string", "description": "The Group actor's id (FEP-1b12)"},
    "title": {"type": "string"},
    "description": {"type": "string", "description": "Sanitized HTML"},
    "audience": {"type": "string", "enum": ["members", "federated"]},
    "state": {"type": "string", "enum": ["open", "closed", "archived"]},
    "accepts_posts": {"type": "boolean", "description": "Open, and within its dates"},
    "opens_at": _TIME,
    "closes_at": _MAYBE_TIME,
}

_THREAD: Json = {
    "id": {"type": "string"},
    "uri": {"type": "string", "description": "The Page's id"},
    "space": {"type": "string", "description": "The space's slug"},
    "title": {"type": "string"},
    "content": {"type": "string", "description": "Sanitized HTML"},
    "author": {"type": "string", "description": "The author's actor id"},
    "pinned": {"type": "boolean"},
    "locked": {"type": "boolean"},
    "hidden": {"type": "boolean"},
    "published": _TIME,
}

SCHEMAS: Json = {
    "DiscussionSpace": _closed(_SPACE),
    "DiscussionSpaceList": {"type": "array", "items": ref("DiscussionSpace")},
    "DiscussionSpacePage": _closed(
        {
            **_SPACE,
            "threads": {"type": "array", "items": ref("DiscussionThread")},
            "next_page": {"type": ["integer", "null"]},
        }
    ),
    "DiscussionThread": _closed(_THREAD),
    "DiscussionReply": _closed(
        {
            "uri": {"type": "string"},
            "in_reply_to": {"type": ["string", "null"], "description": "None: the thread"},
            "content": {"type": "string", "description": "Sanitized HTML"},
            "author": {"type": "string", "description": "The author's actor id"},
            "published": _TIME,
        }
    ),
    "DiscussionThreadWithReplies": _closed(
        {**_THREAD, "replies": {"type": "array", "items": ref("DiscussionReply")}}
    ),
    "DiscussionSpaceRequest": _closed(
        {
            "slug": {"type": "string", "pattern": "^[a-z0-9_]{2,60}$"},
            "title": {"type": "string", "minLength": 1, "maxLength": 200},
            "description": {"type": "string", "description": "Plain text"},
            "audience": {"type": "string", "enum": ["members", "federated"]},
            "opens_at": _TIME,
            "closes_at": _TIME,
        },
        optional=("description", "audience", "opens_at", "closes_at"),
    ),
    "DiscussionStateRequest": _closed(
        {"state": {"type": "string", "enum": ["open", "closed", "archived"]}}
    ),
    "DiscussionThreadRequest": _closed(
        {
            "title": {"type": "string", "minLength": 1, "maxLength": 200},
            "text": {"type": "string", "minLength": 1, "maxLength": 10000, "description": "Plain"},
        }
    ),
    "DiscussionReplyRequest": _closed(
        {
            "text": {"type": "string", "minLength": 1, "maxLength": 10000, "description": "Plain"},
            "in_reply_to": {"type": "string", "description": "A reply's uri (else the thread)"},
        },
        optional=("in_reply_to",),
    ),
    "DiscussionModerationRequest": _closed(
        {
            "action": {
                "type": "string",
                "enum": [
                    "pin",
                    "unpin",
                    "lock",
                    "unlock",
                    "hide",
                    "unhide",
                    "move",
                    "hide-reply",
                    "unhide-reply",
                ],
            },
            "reason": {"type": "string"},
            "to": {"type": "string", "description": "move: the slug of the space to move to"},
            "reply": {"type": "string", "description": "(un)hide-reply: the reply's uri"},
        },
        optional=("reason", "to", "reply"),
    ),
}

_SLUG = path("slug", "The space's slug")
_ID = path("id", "The thread's id")

PATHS: Json = {
    "/discussions": {
        "get": operation(
            "listDiscussions",
            "The city's discussion spaces (open and closed), the newest first",
            TAG,
            {"200": answer("Spaces", "DiscussionSpaceList"), **errors(401, 403)},
        ),
        "post": operation(
            "openDiscussion",
            "Open a discussion space, a Group actor of its own (staff only)",
            TAG,
            {"201": answer("The space", "DiscussionSpace"), **errors(400, 401, 403, 409)},
            body=json_body("DiscussionSpaceRequest", "The space"),
        ),
    },
    "/discussions/{slug}": {
        "get": operation(
            "getDiscussion",
            "A space and one page of its threads (or of those matching q), pinned first, then "
            "the latest activity",
            TAG,
            {"200": answer("The space", "DiscussionSpacePage"), **errors(401, 403, 404)},
            params=[
                _SLUG,
                query("page", {"type": "integer", "minimum": 1}, "The page"),
                query(
                    "q",
                    {"type": "string", "maxLength": 200},
                    "Only threads whose title or text holds this (any case)",
                ),
            ],
        )
    },
    "/discussions/{slug}/state": {
        "post": operation(
            "setDiscussionState",
            "Close, reopen or archive a space (staff only); a closed space stays readable",
            TAG,
            {"200": answer("The space", "DiscussionSpace"), **errors(400, 401, 403, 404, 409)},
            params=[_SLUG],
            body=json_body("DiscussionStateRequest", "The new state"),
        )
    },
    "/discussions/{slug}/threads": {
        "post": operation(
            "startDiscussionThread",
            "Start a thread (a Page the space's Group announces)",
            TAG,
            {
                "201": answer("The thread", "DiscussionThread"),
                **errors(400, 401, 403, 404, 409),
            },
            params=[_SLUG],
            body=json_body("DiscussionThreadRequest", "The thread"),
        )
    },
    "/discussions/threads/{id}": {
        "get": operation(
            "getDiscussionThread",
            "A thread and its visible replies, oldest first (nesting by in_reply_to)",
            TAG,
            {
                "200": answer("The thread", "DiscussionThreadWithReplies"),
                **errors(401, 403, 404),
            },
            params=[_ID],
        )
    },
    "/discussions/threads/{id}/replies": {
        "post": operation(
            "replyToDiscussionThread",
            "Reply to a thread or to one of its replies; refused in a closed space or a "
            "locked thread",
            TAG,
            {"201": answer("The reply", "DiscussionReply"), **errors(400, 401, 403, 404, 409)},
            params=[_ID],
            body=json_body("DiscussionReplyRequest", "The reply"),
        )
    },
    "/discussions/threads/{id}/moderation": {
        "post": operation(
            "moderateDiscussionThread",
            "Pin, lock, hide or move a thread, or hide one of its replies (moderators); logged",
            TAG,
            {"200": answer("The thread", "DiscussionThread"), **errors(400, 401, 403, 404, 409)},
            params=[_ID],
            body=json_body("DiscussionModerationRequest", "The decision"),
        )
    },
}

SECTION = Section(
    tag=TAG,
    description="Discussion spaces (the town square), federated as FEP-1b12 Groups.",
    paths=PATHS,
    schemas=SCHEMAS,
)
