"""The OpenAPI description of consultations (api/polls.py)."""

from __future__ import annotations

from .openapi import Json, Section, answer, errors, json_body, operation, path, ref

TAG = "polls"

_COUNTS = {"type": "array", "items": {"type": "integer", "minimum": 0}}


def _closed(properties: Json, optional: tuple[str, ...] = ()) -> Json:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": sorted(k for k in properties if k not in optional),
        "properties": properties,
    }


SCHEMAS: Json = {
    "PollTally": _closed(
        {
            "members": {**_COUNTS, "description": "Members' votes per option"},
            "remote": {**_COUNTS, "description": "Other servers' residents' votes per option"},
            "total": _COUNTS,
            "member_voters": {"type": "integer", "minimum": 0},
            "remote_voters": {"type": "integer", "minimum": 0},
        }
    ),
    "Poll": _closed(
        {
            "id": {"type": "string"},
            "uri": {"type": "string", "description": "The AS2 Question's id"},
            "space": {"type": "string", "description": "The discussion space's slug"},
            "question": {"type": "string"},
            "options": {"type": "array", "items": {"type": "string"}},
            "multiple": {"type": "boolean", "description": "anyOf (true) or oneOf"},
            "remote_votes": {
                "type": "boolean",
                "description": "Votes from other cities' residents are counted (apart)",
            },
            "results": {"type": "string", "enum": ["after_vote", "at_close"]},
            "state": {"type": "string", "enum": ["open", "closed"]},
            "accepts_votes": {"type": "boolean"},
            "closes_at": {"type": "string", "format": "date-time"},
            "closed_at": {"type": ["string", "null"], "format": "date-time"},
            "my_choices": {
                "type": "array",
                "items": {"type": "integer"},
                "description": "The options the caller chose ([]: not voted)",
            },
            "tally": {
                "oneOf": [ref("PollTally"), {"type": "null"}],
                "description": "Null while the caller may not see it",
            },
        }
    ),
    "PollList": {"type": "array", "items": ref("Poll")},
    "PollRequest": _closed(
        {
            "question": {"type": "string", "minLength": 1, "maxLength": 500},
            "options": {
                "type": "array",
                "items": {"type": "string", "minLength": 1, "maxLength": 100},
                "minItems": 2,
                "maxItems": 10,
            },
            "closes_at": {"type": "string", "format": "date-time"},
            "multiple": {"type": "boolean"},
            "remote_votes": {"type": "boolean", "description": "A federated space only"},
            "results": {"type": "string", "enum": ["after_vote", "at_close"]},
        },
        optional=("multiple", "remote_votes", "results"),
    ),
    "PollVoteRequest": _closed(
        {
            "choices": {
                "type": "array",
                "items": {"type": "integer", "minimum": 0},
                "minItems": 1,
                "description": "The options' indexes; one unless the poll is multiple",
            }
        }
    ),
}

_SLUG = path("slug", "The space's slug")
_ID = path("id", "The poll's id")

PATHS: Json = {
    "/discussions/{slug}/polls": {
        "get": operation(
            "listPolls",
            "A space's polls, the newest first",
            TAG,
            {"200": answer("Polls", "PollList"), **errors(401, 403, 404)},
            params=[_SLUG],
        ),
        "post": operation(
            "attachPoll",
            "Attach a poll to an open space (staff only): the Group publishes a Question",
            TAG,
            {"201": answer("The poll", "Poll"), **errors(400, 401, 403, 404, 409)},
            params=[_SLUG],
            body=json_body("PollRequest", "The poll"),
        ),
    },
    "/polls/{id}": {
        "get": operation(
            "getPoll",
            "A poll, with the tally when the caller may see it",
            TAG,
            {"200": answer("The poll", "Poll"), **errors(401, 403, 404)},
            params=[_ID],
        )
    },
    "/polls/{id}/votes": {
        "post": operation(
            "votePoll",
            "Vote, once; refused after the close, a second time, or for an unknown option",
            TAG,
            {"200": answer("The poll", "Poll"), **errors(400, 401, 403, 404, 409)},
            params=[_ID],
            body=json_body("PollVoteRequest", "The vote"),
        )
    },
    "/polls/{id}/close": {
        "post": operation(
            "closePoll",
            "Close a poll now (staff only): the Group publishes the result",
            TAG,
            {"200": answer("The poll", "Poll"), **errors(401, 403, 404, 409)},
            params=[_ID],
        )
    },
}

SECTION = Section(
    tag=TAG,
    description="Consultations: polls attached to discussion spaces, federated as AS2 Questions.",
    paths=PATHS,
    schemas=SCHEMAS,
)
