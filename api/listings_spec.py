"""The OpenAPI description of the listing routes (api/listings.py, api/listing_moderation.py).

Response schemas are closed (`additionalProperties: false`), as the ledger's are, so tests
that validate real answers against them catch a handler and its description drifting apart.
"""

from __future__ import annotations

from .openapi import Json, Section, answer, errors, json_body, operation, path, query, ref

TAG = "listings"
MODERATION_TAG = "moderation"

_TEXT = {"type": "string"}
_OPTIONAL_TEXT = {"type": ["string", "null"]}
_TIME = {"type": "string", "format": "date-time"}
_OPTIONAL_TIME = {"oneOf": [_TIME, {"type": "null"}]}
_OPTIONAL_NUMBER = {"type": ["number", "null"]}
_PURPOSE = {"type": "string", "enum": ["offer", "request", "gift"]}
_STATE = {
    "type": "string",
    "enum": [
        "draft",
        "pending",
        "published",
        "reserved",
        "closed",
        "expired",
        "withdrawn",
        "rejected",
    ],
}
_PRICE_IN = {
    "type": ["string", "null"],
    "pattern": r"^-?[0-9]+(\.[0-9]+)?$",
    "description": "Per unit, a decimal string in the city currency; null: open to proposals",
}
#: optional (anonymous) or a member's token
OPTIONAL_TOKEN: list[dict[str, list[str]]] = [{}, {"token": []}]


def closed(properties: Json, description: str = "", *, required: list[str] | None = None) -> Json:
    schema: Json = {
        "type": "object",
        "additionalProperties": False,
        "required": sorted(properties) if required is None else required,
        "properties": properties,
    }
    if description:
        schema["description"] = description
    return schema


def optional_body(schema: str, description: str) -> Json:
    return {
        "required": False,
        "description": description,
        "content": {"application/json": {"schema": ref(schema)}},
    }


def optional_token(op: Json) -> Json:
    op["security"] = OPTIONAL_TOKEN
    return op


_DRAFT: Json = {
    "purpose": {**_PURPOSE, "description": "offer (I give), request (I want) or gift (free)"},
    "title": {"type": "string", "minLength": 1, "maxLength": 200},
    "description": {"type": "string", "maxLength": 10000},
    "category": {
        "type": ["string", "null"],
        "description": "A category slug of this city (GET /categories)",
    },
    "price": _PRICE_IN,
    "quantity": {"type": "integer", "minimum": 1, "maximum": 10000},
    "place": {"type": "string", "maxLength": 200},
    "latitude": {**_OPTIONAL_NUMBER, "minimum": -90, "maximum": 90},
    "longitude": {**_OPTIONAL_NUMBER, "minimum": -180, "maximum": 180},
    "expires_at": {
        **_OPTIONAL_TIME,
        "description": "Default: the city's listing lifetime from publication",
    },
}

SCHEMAS: Json = {
    "Money": closed({"amount": ref("Amount"), "currency": _TEXT}),
    "Converted": closed(
        {
            "amount": ref("Amount"),
            "currency": _TEXT,
            "rate": {
                "type": "string",
                "description": "num/den: one unit of ours buys num/den of theirs",
            },
        },
        "What a member of this city would pay under the active exchange rule: a quote, "
        "not a promise",
    ),
    "Party": closed({"handle": _TEXT, "uri": _TEXT, "local": {"type": "boolean"}}),
    "ListingPhoto": closed({"url": _TEXT, "media_type": _TEXT, "alt": _TEXT}),
    "Listing": closed(
        {
            "id": _TEXT,
            "uri": {
                **_TEXT,
                "description": "The ActivityPub id (another city's for remote listings)",
            },
            "url": {**_TEXT, "description": "The page of this listing on this city"},
            "local": {"type": "boolean"},
            "city": {**_TEXT, "description": "host[:port] of the listing's city"},
            "author": ref("Party"),
            "purpose": _PURPOSE,
            "state": _STATE,
            "title": _TEXT,
            "description": _TEXT,
            "category": _OPTIONAL_TEXT,
            "price": {
                "oneOf": [ref("Money"), {"type": "null"}],
                "description": "Per unit, in the seller's currency",
            },
            "converted": {"oneOf": [ref("Converted"), {"type": "null"}]},
            "quantity": {"type": "integer"},
            "place": _TEXT,
            "latitude": _OPTIONAL_NUMBER,
            "longitude": _OPTIONAL_NUMBER,
            "photos": {"type": "array", "maxItems": 4, "items": ref("ListingPhoto")},
            "created_at": _TIME,
            "listed_at": _OPTIONAL_TIME,
            "updated_at": _OPTIONAL_TIME,
            "expires_at": _OPTIONAL_TIME,
            "moderation_reason": {
                **_TEXT,
                "description": "Why a moderator refused it (author and moderators only)",
            },
            "hidden": {
                "type": "boolean",
                "description": "A remote listing hidden here by a moderator",
            },
        }
    ),
    "ListingPage": closed(
        {
            "listings": {"type": "array", "items": ref("Listing")},
            "next_cursor": {"type": ["string", "null"]},
        }
    ),
    "ListingRequest": closed(
        {
            **_DRAFT,
            "submit": {"type": "boolean", "default": True, "description": "false keeps it a draft"},
        },
        required=["purpose", "title"],
    ),
    "ListingChanges": closed(_DRAFT, "Only the fields given change", required=[]),
    "PhotoRequest": closed(
        {
            "alt": {
                "type": "string",
                "minLength": 1,
                "maxLength": 1500,
                "description": "What the photo shows",
            },
            "data": {
                "type": "string",
                "contentEncoding": "base64",
                "description": "The image (JPEG, PNG, WebP or GIF), base64; "
                "re-encoded without EXIF",
            },
        }
    ),
    "Category": closed(
        {
            "slug": {**_TEXT, "description": "Also the hashtag"},
            "name": _TEXT,
            "retired": {"type": "boolean"},
        }
    ),
    "CategoryList": closed({"categories": {"type": "array", "items": ref("Category")}}),
    "CategoryRequest": closed(
        {
            "slug": {"type": "string", "pattern": "^[a-z0-9_]{1,40}$"},
            "name": {"type": "string", "minLength": 1, "maxLength": 100},
        }
    ),
    "ReviewQueue": closed({"listings": {"type": "array", "items": ref("Listing")}}),
    "ReasonRequest": closed(
        {"reason": {"type": "string", "description": "Required to reject, take down or hide"}},
        required=[],
    ),
    "NoParameters": closed({}, "No parameters", required=[]),
}

_ID = path("id", "The listing's id")
_LIMIT = query(
    "limit", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}, "Listings per page"
)
_BROWSE_LIMIT = query(
    "limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}, "Listings per page"
)
_BROWSE_PARAMS = [
    query("q", _TEXT, "Words that must all appear in the title, description or place"),
    query("purpose", _PURPOSE, "Only offers, requests or gifts"),
    query("category", _TEXT, "A category slug"),
    query("city", _TEXT, "host[:port] of a city: this one, or one whose market members follow"),
    query(
        "min_price",
        {"type": "string"},
        "Lowest price per unit, a decimal in each listing's own currency",
    ),
    query("max_price", {"type": "string"}, "Highest price per unit"),
    _BROWSE_LIMIT,
    query("cursor", _TEXT, "next_cursor of the previous page"),
]
_LISTING = {"200": answer("The listing", "Listing")}

PATHS: Json = {
    "/listings": {
        "get": optional_token(
            operation(
                "browseListings",
                "Listings of this city and of followed cities, newest first "
                "(as they reached this city)",
                TAG,
                {"200": answer("A page of listings", "ListingPage"), **errors(400, 401, 403)},
                params=_BROWSE_PARAMS,
            )
        ),
        "post": operation(
            "createListing",
            "Post a listing (submitted for review, or published, as the city's policy says)",
            TAG,
            {"201": answer("The new listing", "Listing"), **errors(400, 401, 403, 409, 413, 422)},
            body=json_body("ListingRequest", "The listing"),
        ),
    },
    "/listings/mine": {
        "get": operation(
            "myListings",
            "My listings in every state, newest first",
            TAG,
            {"200": answer("My listings", "ListingPage"), **errors(400, 401, 403)},
            params=[query("state", _STATE, "Only this state"), _LIMIT],
        )
    },
    "/listings/{id}": {
        "get": optional_token(
            operation(
                "getListing",
                "One listing (drafts and refused ones: their author and moderators only)",
                TAG,
                {**_LISTING, **errors(401, 403, 404)},
                params=[_ID],
            )
        ),
        "patch": operation(
            "editListing",
            "Change my listing; a published one federates an Update",
            TAG,
            {**_LISTING, **errors(400, 401, 403, 404, 409, 413, 422)},
            params=[_ID],
            body=json_body("ListingChanges", "The fields to change"),
        ),
    },
    "/listings/{id}/submit": {
        "post": operation(
            "submitListing",
            "Send my draft for review (or publish it, under review after publication)",
            TAG,
            {**_LISTING, **errors(401, 403, 404, 409)},
            params=[_ID],
            body=optional_body("NoParameters", "Nothing"),
        )
    },
    "/listings/{id}/withdraw": {
        "post": operation(
            "withdrawListing",
            "Take my listing back: it leaves the feeds and federates a Delete",
            TAG,
            {**_LISTING, **errors(401, 403, 404, 409)},
            params=[_ID],
            body=optional_body("NoParameters", "Nothing"),
        )
    },
    "/listings/{id}/photos": {
        "post": operation(
            "addPhoto",
            "Add a photo (at most 4), with its alt text",
            TAG,
            {
                "201": answer("The listing with the photo", "Listing"),
                **errors(400, 401, 403, 404, 409, 413),
            },
            params=[_ID],
            body=json_body("PhotoRequest", "The photo"),
        )
    },
    "/listings/{id}/photos/{n}": {
        "delete": operation(
            "removePhoto",
            "Remove the n-th photo (from 1)",
            TAG,
            {**_LISTING, **errors(401, 403, 404, 409)},
            params=[_ID, path("n", "The photo's position, from 1")],
        )
    },
    "/categories": {
        "get": operation(
            "listCategories",
            "The city's categories",
            TAG,
            {"200": answer("The categories", "CategoryList")},
            public=True,
        ),
        "post": operation(
            "createCategory",
            "Admin: add a category",
            TAG,
            {"201": answer("The new category", "Category"), **errors(400, 401, 403, 409, 413)},
            body=json_body("CategoryRequest", "The category"),
        ),
    },
    "/moderation/listings": {
        "get": operation(
            "reviewQueue",
            "Moderators: listings waiting for review, oldest first",
            MODERATION_TAG,
            {"200": answer("The queue", "ReviewQueue"), **errors(400, 401, 403)},
            params=[_LIMIT],
        )
    },
}
_DECISIONS = {
    "approve": "Publish a listing waiting for review (it federates)",
    "reject": "Refuse a listing waiting for review, with a reason its author sees",
    "take-down": "Take a published listing down, with a reason (it federates a Delete)",
    "hide": "Hide another city's listing from this city's feeds, with a reason",
    "unhide": "Show a hidden listing again",
}
for _action, _summary in _DECISIONS.items():
    PATHS[f"/moderation/listings/{{id}}/{_action}"] = {
        "post": operation(
            "moderate" + "".join(part.capitalize() for part in _action.split("-")),
            _summary,
            MODERATION_TAG,
            {**_LISTING, **errors(400, 401, 403, 404, 409)},
            params=[_ID],
            body=optional_body("ReasonRequest", "The reason"),
        )
    }

SECTION = Section(
    tag=TAG,
    description="Offers, wants and gifts: browse, search, post, photos, categories.",
    paths=PATHS,
    schemas=SCHEMAS,
)
MODERATION_SECTION = Section(
    tag=MODERATION_TAG, description="Moderators' review of listings.", paths={}
)
