"""The OpenAPI description of negotiations (api/negotiations.py) and notifications
(api/notifications.py).
"""

from __future__ import annotations

from .listings_spec import closed, optional_body
from .openapi import Json, Section, answer, errors, json_body, operation, path, query, ref

TAG = "negotiations"
NOTIFICATIONS_TAG = "notifications"

_TEXT = {"type": "string"}
_TIME = {"type": "string", "format": "date-time"}
_OPTIONAL_MONEY = {"oneOf": [ref("Money"), {"type": "null"}]}
_SIDE = {"type": "string", "enum": ["buyer", "seller"]}
_TERMS: Json = {
    "quantity": {"type": "integer", "minimum": 1, "default": 1},
    "price": {
        "type": ["string", "null"],
        "pattern": r"^-?[0-9]+(\.[0-9]+)?$",
        "description": "The total for the quantity, in the SELLER's currency. "
        "Absent with no goods: the listing's price times the quantity",
    },
    "goods": {
        "type": "string",
        "maxLength": 1000,
        "description": "What is given in return, instead of a price",
    },
    "message": {"type": "string", "maxLength": 5000},
    "expires_at": {
        "oneOf": [_TIME, {"type": "null"}],
        "description": "Default: in 7 days; at most 90",
    },
}

_UNDELIVERED = {
    "oneOf": [ref("Undelivered"), {"type": "null"}],
    "description": "Set when this did not reach the other city (it failed for good)",
}

SCHEMAS: Json = {
    "Undelivered": closed(
        {
            "reason": {
                "type": "string",
                "enum": ["refused", "not_federated", "rejected", "unreachable", "failed"],
            },
            "message": {
                **_TEXT,
                "description": "For the member, e.g. 'not delivered: the other city does "
                "not federate with us'",
            },
        },
        "Why something of ours did not reach the other city; the admin can re-send it",
    ),
    "Offer": closed(
        {
            "id": _TEXT,
            "uri": {**_TEXT, "description": "The Offer activity's id, the same in both cities"},
            "proposer": _SIDE,
            "state": {
                "type": "string",
                "enum": ["open", "countered", "accepted", "rejected", "withdrawn", "expired"],
            },
            "quantity": {"type": "integer"},
            "price": _OPTIONAL_MONEY,
            "converted": {"oneOf": [ref("Converted"), {"type": "null"}]},
            "goods": _TEXT,
            "message": {**_TEXT, "description": "HTML"},
            "expires_at": _TIME,
            "in_reply_to": {
                "type": ["string", "null"],
                "description": "uri of the offer this one answers",
            },
            "created_at": _TIME,
            "answer_reason": _TEXT,
            "undelivered": _UNDELIVERED,
        }
    ),
    "ThreadMessage": closed(
        {
            "uri": _TEXT,
            "author": _SIDE,
            "content": {**_TEXT, "description": "HTML"},
            "created_at": _TIME,
            "undelivered": _UNDELIVERED,
        }
    ),
    "Agreement": closed(
        {
            "id": _TEXT,
            "uri": {**_TEXT, "description": "The same in both cities"},
            "state": {"type": "string", "enum": ["agreed", "paid", "cancelled"]},
            "quantity": {"type": "integer"},
            "amount": _OPTIONAL_MONEY,
            "goods": _TEXT,
            "created_at": _TIME,
            "quote": {
                "oneOf": [ref("AgreementQuote"), {"type": "null"}],
                "description": "Across cities: the quote fixed at agreement (null otherwise)",
            },
            "transfer": {
                "type": ["string", "null"],
                "description": "Once paid: the ledger transfer's id",
            },
            "undelivered": _UNDELIVERED,
            "settlement": {
                "oneOf": [ref("Settlement"), {"type": "null"}],
                "description": "With a party in another city: the latest settlement tried",
            },
        },
        "An accepted offer; the paying party (the buyer, or the author of a want) pays it once",
    ),
    "PaymentOutcome": closed(
        {
            "id": {**_TEXT, "description": "The negotiation's id"},
            "agreement": closed(
                {
                    "id": _TEXT,
                    "state": _TEXT,
                    "transfer": {
                        "type": ["string", "null"],
                        "description": "Once paid here: the ledger transfer's id",
                    },
                    "settlement": {
                        "oneOf": [ref("Settlement"), {"type": "null"}],
                        "description": "With a party in another city: the settlement",
                    },
                }
            ),
        },
        "The answer to a payment with `Prefer: return=minimal`: the outcome, not the thread",
    ),
    "AgreementQuote": closed(
        {
            "rule": {**_TEXT, "description": "The exchange rule version's id (both cities)"},
            "rule_version": {"type": "integer"},
            "rule_hash": _TEXT,
            "seller_amount": ref("Money"),
            "buyer_amount": {
                **ref("Money"),
                "description": "In the buyer's currency, rounded against the payer",
            },
        },
        "The rule version and the two amounts both cities stored at agreement",
    ),
    "ThreadListing": closed(
        {
            "id": _TEXT,
            "uri": _TEXT,
            "title": _TEXT,
            "city": _TEXT,
            "state": _TEXT,
            "quantity": {"type": "integer"},
        }
    ),
    "Negotiation": closed(
        {
            "id": _TEXT,
            "context": {
                **_TEXT,
                "description": "The thread's id on the wire, the same in both cities",
            },
            "kind": {
                "type": "string",
                "enum": ["offers", "messages"],
                "description": "messages: the other party's server knows no offers "
                "(a Mastodon user)",
            },
            "state": {
                "type": "string",
                "enum": ["open", "agreed", "rejected", "withdrawn", "expired", "closed"],
            },
            "role": {**_SIDE, "description": "My side: seller = the listing's author"},
            "listing": ref("ThreadListing"),
            "buyer": ref("Party"),
            "seller": ref("Party"),
            "offers": {"type": "array", "items": ref("Offer")},
            "messages": {"type": "array", "items": ref("ThreadMessage")},
            "agreement": {"oneOf": [ref("Agreement"), {"type": "null"}]},
            "undelivered": {
                **_UNDELIVERED,
                "description": "Set when an offer, message or acceptance of mine in this "
                "thread did not reach the other city",
            },
        }
    ),
    "NegotiationPage": closed(
        {
            "negotiations": {"type": "array", "items": ref("Negotiation")},
            "next_cursor": {"type": ["string", "null"]},
        }
    ),
    "OfferRequest": closed(_TERMS, required=[]),
    "CounterOfferRequest": closed(
        {
            **_TERMS,
            "in_reply_to": {
                "type": "string",
                "description": "id of the offer answered (default: the open one); "
                "a stale one is refused",
            },
        },
        required=[],
    ),
    "RejectRequest": closed({"reason": _TEXT}, required=[]),
    "MessageRequest": closed({"text": {"type": "string", "minLength": 1, "maxLength": 5000}}),
    "Notification": closed(
        {
            "id": _TEXT,
            "kind": {
                "type": "string",
                "enum": [
                    "offer",
                    "counter_offer",
                    "accepted",
                    "rejected",
                    "withdrawn",
                    "expired",
                    "message",
                    "negotiation_closed",
                    "agreement_cancelled",
                    "agreement_paid",
                    "listing_approved",
                    "listing_rejected",
                    "listing_taken_down",
                    "listing_expired",
                    "direct_message",
                    "partner",
                ],
            },
            "text": _TEXT,
            "listing": {"type": ["string", "null"]},
            "negotiation": {"type": ["string", "null"]},
            "created_at": _TIME,
            "read": {"type": "boolean"},
        }
    ),
    "NotificationPage": closed(
        {
            "notifications": {"type": "array", "items": ref("Notification")},
            "unread": {"type": "integer"},
            "next_cursor": {"type": ["string", "null"]},
        }
    ),
    "ReadRequest": closed(
        {"up_to": {"type": "string", "description": "Mark up to this id (default: all)"}},
        required=[],
    ),
    "ReadResult": closed({"marked": {"type": "integer"}, "unread": {"type": "integer"}}),
}

_ID = path("id", "The negotiation's id")
_OFFER = path("offer", "The offer's id")
_THREAD = {"200": answer("The negotiation", "Negotiation")}
_LIMIT = query(
    "limit", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}, "Per page"
)
_CURSOR = query("cursor", _TEXT, "next_cursor of the previous page")

PATHS: Json = {
    "/listings/{id}/negotiations": {
        "post": operation(
            "openNegotiation",
            "Open a negotiation on a listing with a first offer",
            TAG,
            {
                "201": answer("The new negotiation", "Negotiation"),
                **errors(400, 401, 403, 404, 409, 413),
            },
            params=[path("id", "The listing's id")],
            body=optional_body("OfferRequest", "The offer"),
        )
    },
    "/negotiations": {
        "get": operation(
            "listNegotiations",
            "My negotiations, newest first",
            TAG,
            {"200": answer("A page", "NegotiationPage"), **errors(400, 401, 403)},
            params=[_LIMIT, _CURSOR],
        )
    },
    "/negotiations/{id}": {
        "get": operation(
            "getNegotiation",
            "One of my negotiations: offers, messages, agreement",
            TAG,
            {**_THREAD, **errors(401, 403, 404)},
            params=[_ID],
        )
    },
    "/negotiations/{id}/offers": {
        "post": operation(
            "counterOffer",
            "Answer the open offer with another (it supersedes it)",
            TAG,
            {
                "201": answer("The negotiation", "Negotiation"),
                **errors(400, 401, 403, 404, 409, 413),
            },
            params=[_ID],
            body=json_body("CounterOfferRequest", "The offer"),
        )
    },
    "/negotiations/{id}/offers/{offer}/accept": {
        "post": operation(
            "acceptOffer",
            "Accept the other party's open offer: an agreement (only the latest offer)",
            TAG,
            {**_THREAD, **errors(401, 403, 404, 409)},
            params=[_ID, _OFFER],
            body=optional_body("NoParameters", "Nothing"),
        )
    },
    "/negotiations/{id}/offers/{offer}/reject": {
        "post": operation(
            "rejectOffer",
            "Decline the other party's open offer, with an optional reason",
            TAG,
            {**_THREAD, **errors(400, 401, 403, 404, 409)},
            params=[_ID, _OFFER],
            body=optional_body("RejectRequest", "Why"),
        )
    },
    "/negotiations/{id}/offers/{offer}/withdraw": {
        "post": operation(
            "withdrawOffer",
            "Withdraw my open offer",
            TAG,
            {**_THREAD, **errors(401, 403, 404, 409)},
            params=[_ID, _OFFER],
            body=optional_body("NoParameters", "Nothing"),
        )
    },
    "/negotiations/{id}/messages": {
        "post": operation(
            "writeMessage",
            "Write to the other party",
            TAG,
            {"201": answer("The negotiation", "Negotiation"), **errors(400, 401, 403, 404, 413)},
            params=[_ID],
            body=json_body("MessageRequest", "The message"),
        )
    },
    "/negotiations/{id}/agreement/pay": {
        "post": operation(
            "payAgreement",
            "Pay the thread's agreement: the agreed amount moves from the paying party to "
            "the other, with the fee if the city charges one. Only the paying party may; "
            "an agreement is paid once (409 the second time). With a party in another city "
            "the payment is a settlement: held here, offered to the other city, and the "
            "agreement becomes paid when both cities committed (`agreement.settlement`). "
            "With `Prefer: return=minimal` (RFC 7240) the answer is the outcome alone "
            "(`PaymentOutcome`, and `Preference-Applied: return=minimal`), not the thread",
            TAG,
            {
                "200": {
                    "description": "The negotiation, or with `Prefer: return=minimal` the "
                    "payment's outcome",
                    "content": {
                        "application/json": {
                            "schema": {"oneOf": [ref("Negotiation"), ref("PaymentOutcome")]}
                        }
                    },
                },
                **errors(401, 403, 404, 409, 422),
            },
            params=[
                _ID,
                {
                    "name": "Prefer",
                    "in": "header",
                    "required": False,
                    "description": "`return=minimal`: answer with the outcome, not the thread",
                    "schema": {"type": "string"},
                },
            ],
            body=optional_body("NoParameters", "Nothing"),
        )
    },
    "/notifications": {
        "get": operation(
            "listNotifications",
            "My notifications, newest first",
            NOTIFICATIONS_TAG,
            {"200": answer("A page", "NotificationPage"), **errors(400, 401, 403)},
            params=[query("unread", {"type": "boolean"}, "Only unread ones"), _LIMIT, _CURSOR],
        )
    },
    "/notifications/read": {
        "post": operation(
            "markNotificationsRead",
            "Mark my notifications read",
            NOTIFICATIONS_TAG,
            {"200": answer("How many", "ReadResult"), **errors(400, 401, 403)},
            body=optional_body("ReadRequest", "Up to which"),
        )
    },
}

SECTION = Section(
    tag=TAG,
    description="Offers, counter-offers and agreements on listings, within and across cities.",
    paths=PATHS,
    schemas=SCHEMAS,
)
NOTIFICATIONS_SECTION = Section(
    tag=NOTIFICATIONS_TAG, description="What members are told.", paths={}
)
