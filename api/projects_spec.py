"""The OpenAPI description of the project routes (api/projects.py)."""

from __future__ import annotations

from .openapi import Json, Section, answer, errors, json_body, operation, path, ref

TAG = "projects"

_TEXT = {"type": "string"}
_NULLABLE = {"type": ["string", "null"]}
_DATE = {"type": ["string", "null"], "format": "date"}
_AMOUNT = {
    "type": "string",
    "pattern": r"^-?[0-9]+(\.[0-9]+)?$",
    "description": "A decimal string in the city currency",
}

_MONEY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["amount", "currency"],
    "properties": {"amount": {"type": "string"}, "currency": {"type": "string"}},
}


def _closed(properties: Json, required: list[str] | None = None) -> Json:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": sorted(properties) if required is None else required,
        "properties": properties,
    }


SCHEMAS: Json = {
    "Project": _closed(
        {
            "slug": _TEXT,
            "id": {**_TEXT, "description": "The ActivityPub id (a Page), also its page"},
            "title": _TEXT,
            "description": _TEXT,
            "place": _TEXT,
            "starts_on": _DATE,
            "ends_on": _DATE,
            "goal": _AMOUNT,
            "pledged": {**_AMOUNT, "description": "Pending and committed pledges"},
            "pledgers": {"type": "integer"},
            "currency": _TEXT,
            "deadline": {"type": "string", "format": "date-time"},
            "owner": _NULLABLE,
            "state": {
                "type": "string",
                "enum": ["draft", "open", "funded", "failed", "cancelled"],
            },
            "photos": {
                "type": "array",
                "maxItems": 4,
                "items": ref("ListingPhoto"),
                "description": "Stored and served as listing photos; federated as the Page's "
                "Image attachments, the alt text as their name",
            },
        }
    ),
    "ProjectList": _closed({"projects": {"type": "array", "items": ref("Project")}}),
    "ProjectProposal": _closed(
        {
            "slug": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,59}$"},
            "title": {"type": "string", "minLength": 1, "maxLength": 200},
            "description": _TEXT,
            "place": _TEXT,
            "starts_on": _DATE,
            "ends_on": _DATE,
            "goal": _AMOUNT,
            "deadline": {"type": "string", "format": "date-time"},
        },
        ["deadline", "goal", "slug", "title"],
    ),
    "Pledge": _closed(
        {
            "id": _TEXT,
            "project": _TEXT,
            "amount": _AMOUNT,
            "state": {"type": "string", "enum": ["pending", "committed", "voided"]},
            "transfer": {**_TEXT, "description": "The pending transfer's id in the ledger"},
            "created_at": {"type": "string", "format": "date-time"},
        }
    ),
    "PledgeRequest": _closed({"amount": _AMOUNT}),
    "RemotePledge": _closed(
        {
            "id": _TEXT,
            "project": {**_TEXT, "description": "The project's address at its city"},
            "state": {"type": "string", "enum": ["pending", "committed", "voided"]},
            "accepted": {
                "type": "boolean",
                "description": "The project's city voted yes: it holds the converted amount",
            },
            "source": _MONEY,
            "target": {**_MONEY, "description": "The converted amount, in the project's currency"},
            "fee": {**_AMOUNT, "description": "The exchange rule's fee, in our currency"},
            "settlement": {**_TEXT, "description": "The settlement's id"},
            "code": {**_NULLABLE, "description": "Why it was voided"},
            "created_at": {"type": "string", "format": "date-time"},
        }
    ),
    "ProjectReply": _closed(
        {
            "id": {"type": "integer"},
            "uri": {**_TEXT, "description": "The Note's ActivityPub id"},
            "url": _TEXT,
            "author": {**_TEXT, "description": "The author's actor id"},
            "handle": _TEXT,
            "content": {**_TEXT, "description": "Sanitized HTML"},
            "published": {"type": "string", "format": "date-time"},
            "hidden": {"type": "boolean", "description": "Hidden by a moderator"},
        }
    ),
    "ProjectReplyList": _closed({"replies": {"type": "array", "items": ref("ProjectReply")}}),
    "ProjectReplyState": _closed(
        {"id": {"type": "integer"}, "uri": _TEXT, "hidden": {"type": "boolean"}}
    ),
    "RemotePledgeList": _closed({"pledges": {"type": "array", "items": ref("RemotePledge")}}),
    "RemotePledgeRequest": _closed(
        {"project": {**_TEXT, "description": "The project's address"}, "amount": _AMOUNT}
    ),
}

_SLUG = path("slug", "The project's slug")

PATHS: Json = {
    "/projects": {
        "get": operation(
            "listProjects",
            "Open and decided projects, newest first",
            TAG,
            {"200": answer("The projects", "ProjectList")},
            public=True,
        ),
        "post": operation(
            "proposeProject",
            "Propose a project; staff approve it before it takes pledges",
            TAG,
            {"201": answer("The draft", "Project"), **errors(400, 401, 403, 409, 413)},
            body=json_body("ProjectProposal", "The project"),
        ),
    },
    "/projects/{slug}": {
        "get": operation(
            "getProject",
            "A project with its progress",
            TAG,
            {"200": answer("The project", "Project"), **errors(404)},
            params=[_SLUG],
            public=True,
        )
    },
    "/projects/{slug}/approve": {
        "post": operation(
            "approveProject",
            "Staff: open a draft for pledges until its deadline",
            TAG,
            {"200": answer("The open project", "Project"), **errors(401, 403, 404, 409)},
            params=[_SLUG],
        )
    },
    "/projects/{slug}/cancel": {
        "post": operation(
            "cancelProject",
            "Staff or the owner: cancel a project; its pledges are voided",
            TAG,
            {"200": answer("The cancelled project", "Project"), **errors(401, 403, 404, 409)},
            params=[_SLUG],
        )
    },
    "/projects/{slug}/pledges": {
        "post": operation(
            "pledge",
            "Pledge an amount: held against your credit limit until the deadline",
            TAG,
            {"201": answer("The pledge", "Pledge"), **errors(400, 401, 403, 404, 409, 422)},
            params=[_SLUG],
            body=json_body("PledgeRequest", "How much"),
        )
    },
    "/projects/{slug}/pledges/{pledge}/withdraw": {
        "post": operation(
            "withdrawPledge",
            "Take a pledge back before the deadline: it is voided",
            TAG,
            {"200": answer("The voided pledge", "Pledge"), **errors(401, 403, 404, 409)},
            params=[_SLUG, path("pledge", "The pledge's id")],
        )
    },
    "/projects/{slug}/photos": {
        "post": operation(
            "addProjectPhoto",
            "The owner or staff: add a photo (at most 4), with its alt text, to a draft or "
            "open project; refused as a listing's photo is (413 too large, 400 not an image)",
            TAG,
            {
                "201": answer("The project with the photo", "Project"),
                **errors(400, 401, 403, 404, 409, 413),
            },
            params=[_SLUG],
            body=json_body("PhotoRequest", "The photo"),
        )
    },
    "/projects/{slug}/photos/{n}": {
        "delete": operation(
            "removeProjectPhoto",
            "The owner or staff: remove the n-th photo (from 1)",
            TAG,
            {"200": answer("The project", "Project"), **errors(401, 403, 404, 409)},
            params=[_SLUG, path("n", "The photo's position, from 1")],
        )
    },
    "/projects/{slug}/replies": {
        "get": operation(
            "listProjectReplies",
            "Replies of other cities' residents to the project, oldest first (moderators "
            "also see hidden ones)",
            TAG,
            {"200": answer("The replies", "ProjectReplyList"), **errors(401, 404)},
            params=[_SLUG],
            public=True,
        )
    },
    "/projects/{slug}/replies/{reply}/hide": {
        "post": operation(
            "hideProjectReply",
            "Moderators: hide a reply from the project's page; the market undoes its Announce",
            TAG,
            {"200": answer("The reply", "ProjectReplyState"), **errors(401, 403, 404, 409)},
            params=[_SLUG, path("reply", "The reply's id")],
        )
    },
    "/projects/{slug}/replies/{reply}/show": {
        "post": operation(
            "showProjectReply",
            "Moderators: show a hidden reply again; the market announces it again",
            TAG,
            {"200": answer("The reply", "ProjectReplyState"), **errors(401, 403, 404, 409)},
            params=[_SLUG, path("reply", "The reply's id")],
        )
    },
    "/remote-pledges": {
        "get": operation(
            "listRemotePledges",
            "Your pledges to other cities' projects, newest first",
            TAG,
            {"200": answer("The pledges", "RemotePledgeList"), **errors(401, 403)},
        ),
        "post": operation(
            "pledgeToRemoteProject",
            "Pledge to a partner city's project, in our currency: converted with the exchange "
            "rule in force and held until the project is decided",
            TAG,
            {
                "201": answer("The pledge", "RemotePledge"),
                **errors(400, 401, 403, 409, 422, 502),
            },
            body=json_body("RemotePledgeRequest", "The project and how much"),
        ),
    },
    "/remote-pledges/{pledge}/withdraw": {
        "post": operation(
            "withdrawRemotePledge",
            "Take a pledge to another city's project back before its deadline",
            TAG,
            {"200": answer("The voided pledge", "RemotePledge"), **errors(401, 403, 404, 409)},
            params=[path("pledge", "The pledge's id")],
        )
    },
}

SECTION = Section(
    tag=TAG,
    description="Local projects funded by residents' pledges in the city currency.",
    paths=PATHS,
    schemas=SCHEMAS,
)
