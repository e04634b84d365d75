"""The OpenAPI description of the follow and note routes (api/social.py)."""

from __future__ import annotations

from .openapi import Json, Section, answer, errors, json_body, operation, path, query, ref

TAG = "social"

_TIME = {"type": "string", "format": "date-time"}


def _closed(properties: Json, required: list[str] | None = None) -> Json:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": required or sorted(properties),
        "properties": properties,
    }


SCHEMAS: Json = {
    "Follow": _closed(
        {
            "id": {"type": "string"},
            "account": {"type": "string", "description": "@name@host of the remote account"},
            "actor": {"type": "string", "description": "The remote actor's id"},
            "state": {
                "type": "string",
                "enum": ["pending", "accepted", "failed"],
                "description": "failed: my Follow did not reach the other city (see undelivered); "
                "following again, or the admin's retry, sends it again",
            },
            "created_at": _TIME,
            "undelivered": {"oneOf": [ref("Undelivered"), {"type": "null"}]},
        }
    ),
    "FollowList": {"type": "array", "items": ref("Follow")},
    "FollowRequest": _closed(
        {
            "account": {
                "type": "string",
                "description": "@name@host, name@host, or the actor's URL",
            },
        }
    ),
    "Note": _closed(
        {
            "id": {"type": "string"},
            "uri": {"type": "string"},
            "content": {"type": "string", "description": "HTML"},
            "visibility": {"type": "string", "enum": ["public", "unlisted", "followers", "direct"]},
            "published": _TIME,
            "updated": {"oneOf": [_TIME, {"type": "null"}]},
            "in_reply_to": {"type": ["string", "null"]},
        }
    ),
    "NoteRequest": _closed(
        {
            "text": {
                "type": "string",
                "minLength": 1,
                "maxLength": 5000,
                "description": "Plain text",
            },
            "visibility": {
                "type": "string",
                "enum": ["public", "unlisted", "followers", "direct"],
                "default": "public",
            },
            "mentions": {
                "type": "array",
                "maxItems": 20,
                "items": {"type": "string"},
                "description": "Handles of remote accounts to address",
            },
            "in_reply_to": {
                "type": "string",
                "description": "Id of the object this note replies to",
            },
        },
        required=["text"],
    ),
    "NoteEdit": _closed({"text": {"type": "string", "minLength": 1, "maxLength": 5000}}),
}

_ID = path("id", "The follow's id")
_NOTE = path("id", "The note's id (the last part of its URI)")
_STATE = query(
    "state",
    {"type": "string", "enum": ["pending", "accepted", "failed"]},
    "Only follows in this state",
)

PATHS: Json = {
    "/follows": {
        "post": operation(
            "follow",
            "Follow a remote account (pending until it accepts)",
            TAG,
            {"201": answer("The follow", "Follow"), **errors(400, 401, 403, 404, 422, 502)},
            body=json_body("FollowRequest", "Whom to follow"),
        ),
        "get": operation(
            "listFollowing",
            "Accounts I follow",
            TAG,
            {"200": answer("My follows, newest first", "FollowList"), **errors(400, 401, 403)},
            params=[_STATE],
        ),
    },
    "/follows/{id}": {
        "delete": operation(
            "unfollow",
            "Stop following (sends Undo)",
            TAG,
            {"204": answer("Unfollowed"), **errors(401, 403, 404)},
            params=[_ID],
        )
    },
    "/followers": {
        "get": operation(
            "listFollowers",
            "Remote accounts following me, and follow requests",
            TAG,
            {"200": answer("Followers, newest first", "FollowList"), **errors(400, 401, 403)},
            params=[_STATE],
        )
    },
    "/followers/{id}/accept": {
        "post": operation(
            "acceptFollower",
            "Accept a follow request (sends Accept)",
            TAG,
            {"200": answer("The accepted follow", "Follow"), **errors(401, 403, 404, 409)},
            params=[_ID],
        )
    },
    "/followers/{id}/reject": {
        "post": operation(
            "rejectFollower",
            "Refuse a follow request (sends Reject)",
            TAG,
            {"204": answer("Refused"), **errors(401, 403, 404, 409)},
            params=[_ID],
        )
    },
    "/notes": {
        "post": operation(
            "createNote",
            "Post a note (sends Create to followers and mentioned accounts)",
            TAG,
            {"201": answer("The note", "Note"), **errors(400, 401, 403, 404, 422, 502)},
            body=json_body("NoteRequest", "The note"),
        )
    },
    "/notes/{id}": {
        "get": operation(
            "getNote",
            "One of my notes",
            TAG,
            {"200": answer("The note", "Note"), **errors(401, 403, 404)},
            params=[_NOTE],
        ),
        "patch": operation(
            "editNote",
            "Edit one of my notes (sends Update)",
            TAG,
            {"200": answer("The edited note", "Note"), **errors(400, 401, 403, 404, 422)},
            params=[_NOTE],
            body=json_body("NoteEdit", "The new text"),
        ),
        "delete": operation(
            "deleteNote",
            "Delete one of my notes (sends Delete; its URL then answers 410)",
            TAG,
            {"204": answer("Deleted"), **errors(401, 403, 404)},
            params=[_NOTE],
        ),
    },
}

SECTION = Section(
    tag=TAG,
    description="Following remote accounts and posting notes.",
    paths=PATHS,
    schemas=SCHEMAS,
)
