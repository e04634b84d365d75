"""Which handler processes which activity type."""

from __future__ import annotations

from .blocks import on_block
from .create import on_create
from .discussions import on_discussion_delete, on_discussion_update
from .featured import on_featured_change
from .flags import on_flag
from .follows import on_accept, on_follow, on_reject
from .group_announces import on_group_announce
from .interactions import on_announce, on_like, on_undo
from .listings import (
    claimed_or,
    on_listing_announce,
    on_listing_delete,
    on_listing_update,
)
from .negotiation import on_offer, on_offer_accept, on_offer_reject, on_offer_undo
from .notes import on_delete, on_update
from .partners import on_rule_accept, on_rule_offer, on_rule_reject, on_rule_update
from .process import Handler
from .settlements import (
    on_settle,
    on_settlement_accept,
    on_settlement_offer,
    on_settlement_reject,
    on_settlement_undo,
)

HANDLERS: dict[str, Handler] = {
    "Follow": on_follow,
    # a Create is classified once (inbox/create.py); for the others, settlements, exchange
    # rules, listings and negotiation claim what is theirs first (inbox/settlements.py,
    # inbox/partners.py, inbox/listings.py, inbox/negotiation.py)
    "Accept": claimed_or(on_settlement_accept, on_rule_accept, on_offer_accept, fallback=on_accept),
    "Reject": claimed_or(on_settlement_reject, on_rule_reject, on_offer_reject, fallback=on_reject),
    "Undo": claimed_or(on_settlement_undo, on_offer_undo, fallback=on_undo),
    "Create": on_create,
    "Update": claimed_or(
        on_rule_update, on_listing_update, on_discussion_update, fallback=on_update
    ),
    "Delete": claimed_or(on_listing_delete, on_discussion_delete, fallback=on_delete),
    "Like": on_like,
    "Announce": claimed_or(on_group_announce, on_listing_announce, fallback=on_announce),
    "Offer": claimed_or(on_settlement_offer, on_rule_offer, fallback=on_offer),
    "Settle": on_settle,
    "Flag": on_flag,
    "Block": on_block,
    # pins: `Add` / `Remove` to the sender's `featured` (inbox/featured.py)
    "Add": on_featured_change,
    "Remove": on_featured_change,
}
