"""The OpenAPI description of direct conversations (api/conversations.py)."""

from __future__ import annotations

from .openapi import Json, Section, answer, errors, json_body, operation, path, ref

TAG = "conversations"

_TIME = {"type": "string", "format": "date-time"}


def _closed(properties: Json) -> Json:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": sorted(properties),
        "properties": properties,
    }


_ACCOUNT: Json = {
    "id": {"type": "string", "description": "The conversation's id"},
    "account": {"type": "string", "description": "@name@host of the remote account"},
    "actor": {"type": "string", "description": "The remote actor's id"},
    "name": {"type": "string"},
}

SCHEMAS: Json = {
    "DirectMessage": _closed(
        {
            "uri": {"type": "string"},
            "content": {"type": "string", "description": "Sanitized HTML"},
            "inbound": {"type": "boolean", "description": "Written by the remote account"},
            "published": _TIME,
        }
    ),
    "ConversationSummary": _closed(
        {**_ACCOUNT, "messages": {"type": "integer"}, "last": ref("DirectMessage")}
    ),
    "ConversationList": {"type": "array", "items": ref("ConversationSummary")},
    "Conversation": _closed(
        {**_ACCOUNT, "messages": {"type": "array", "items": ref("DirectMessage")}}
    ),
    "NegotiationFromMessage": _closed(
        {"listing": {"type": "string", "description": "The id of one of my open listings"}}
    ),
    "NegotiationOpened": _closed(
        {"negotiation": {"type": "string"}, "listing": {"type": "string"}}
    ),
    "DirectMessageRequest": _closed(
        {"text": {"type": "string", "minLength": 1, "maxLength": 5000, "description": "Plain"}}
    ),
}

_ID = path("id", "The conversation's id")

PATHS: Json = {
    "/conversations": {
        "get": operation(
            "listConversations",
            "My direct conversations with remote accounts, the most recent first",
            TAG,
            {"200": answer("Conversations", "ConversationList"), **errors(401, 403)},
        )
    },
    "/conversations/{id}": {
        "get": operation(
            "getConversation",
            "The direct messages between me and one remote account, oldest first",
            TAG,
            {"200": answer("The conversation", "Conversation"), **errors(401, 403, 404)},
            params=[_ID],
        )
    },
    "/conversations/{id}/messages": {
        "post": operation(
            "writeDirectMessage",
            "Answer a conversation (a direct Note to that account, in reply to its last message)",
            TAG,
            {"201": answer("The message", "DirectMessage"), **errors(400, 401, 403, 404, 422)},
            params=[_ID],
            body=json_body("DirectMessageRequest", "The text"),
        )
    },
    "/conversations/{id}/negotiation": {
        "post": operation(
            "negotiateFromMessage",
            "Turn the latest message of the conversation that links one of my listings into a "
            "negotiation (of messages) about it",
            TAG,
            {
                "201": answer("The negotiation", "NegotiationOpened"),
                **errors(400, 401, 403, 404, 409, 422),
            },
            params=[_ID],
            body=json_body("NegotiationFromMessage", "Which listing"),
        )
    },
}

SECTION = Section(
    tag=TAG,
    description="Direct messages with remote accounts (Mastodon's mentioned-people-only posts).",
    paths=PATHS,
    schemas=SCHEMAS,
)
