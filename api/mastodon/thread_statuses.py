"""Offers, counter-offers and messages of a negotiation as Mastodon statuses.

A negotiation is a direct conversation to apps (`conversations.py`): each offer is a direct
status whose text gives its terms and its state, with the link to the negotiation page where
the member accepts or counters it; each message is a direct status with its text. They are
not rows of `statuses` (no timeline shows them): their ids are made from the row's, past
any real status id, `OFFER_BASE + offers.id` and `MESSAGE_BASE + negotiation_messages.id`,
below the notification ids of entities.py. `GET /api/v1/statuses/{id}` and
`/context` answer them for the thread's parties; a direct status posted in reply to one of
them is a message in that thread (`reply`), which federates as any negotiation message.
"""

from __future__ import annotations

import html
from typing import Any

from sqlalchemy.orm import Session

from exchange import negotiation_conversations as conversations
from exchange import offers
from exchange.errors import DomainError, NotFound
from exchange.negotiation_conversations import Conversation, Item
from exchange.negotiations import Party, other, party
from instance.city import City
from models import Listing, Member, Negotiation, NegotiationMessage, Offer, OfferState
from services import negotiations as negotiating

from . import entities

OFFER_BASE = 7 * 10**17
MESSAGE_BASE = 6 * 10**17
#: offer and message ids fit below the next base
SPAN = 10**17

#: what an offer's state means to the member reading it
STATE_TEXT = {
    OfferState.open: "Open: accept or counter it on the negotiation page.",
    OfferState.countered: "Countered by a newer offer.",
    OfferState.accepted: "Accepted.",
    OfferState.rejected: "Rejected.",
    OfferState.withdrawn: "Withdrawn.",
    OfferState.expired: "Expired.",
}


def decode(raw: str) -> tuple[type[Offer] | type[NegotiationMessage], int] | None:
    """(table, row id) of a thread status id; None for any other id."""
    if not raw.isdigit() or len(raw) > 19:
        return None
    value = int(raw)
    for base, table in ((OFFER_BASE, Offer), (MESSAGE_BASE, NegotiationMessage)):
        if base < value < base + SPAN:
            return table, value - base
    return None


def status_id(item: Item) -> str:
    if item.offer is not None:
        return str(OFFER_BASE + item.offer.id)
    assert item.message is not None
    return str(MESSAGE_BASE + item.message.id)


def _account(p: Party) -> entities.Account | None:
    return p.member or p.actor


def _mention(city: City, who: entities.Account) -> dict[str, str]:
    card = entities.account(city, who)
    return {
        "id": card["id"],
        "username": card["username"],
        "acct": card["acct"],
        "url": card["url"],
    }


def _offer_html(city: City, offer: Offer, listing: Listing, negotiation: Negotiation) -> str:
    link = html.escape(city.urls.negotiation(negotiation.public_id))
    what = "Counter-offer" if offer.in_reply_to_id is not None else "Offer"
    parts = [f"<p>{what}: {html.escape(offers.describe(offer, listing))}</p>"]
    if offer.message:
        parts.append(offer.message)
    parts.append(f"<p>{STATE_TEXT[offer.state]}</p>")
    parts.append(f'<p><a href="{link}">{link}</a></p>')
    return "".join(parts)


def status(
    session: Session, city: City, negotiation: Negotiation, items: list[Item], item: Item
) -> dict[str, Any] | None:
    """The direct Status of one item (None when its author's account is gone)."""
    author_party = party(session, negotiation, item.author)
    other_party = party(session, negotiation, other(item.author))
    author, counterpart = _account(author_party), _account(other_party)
    if author is None:
        return None
    listing = session.get(Listing, negotiation.listing_id)
    assert listing is not None
    place = items.index(item)
    parent = items[place - 1] if place > 0 else None
    if item.offer is not None:
        content = _offer_html(city, item.offer, listing, negotiation)
        uri = item.offer.uri
        kind = "offer"
    else:
        assert item.message is not None
        content, uri, kind = item.message.content, item.message.uri, "message"
    parent_author = _account(party(session, negotiation, parent.author)) if parent else None
    return {
        "id": status_id(item),
        "uri": uri,
        "url": city.urls.negotiation(negotiation.public_id),
        "created_at": entities.iso(item.created_at),
        "edited_at": None,
        "account": entities.account(city, author),
        "content": content,
        "visibility": "direct",
        "sensitive": False,
        "spoiler_text": "",
        "media_attachments": [],
        "application": None,
        "mentions": [_mention(city, counterpart)] if counterpart is not None else [],
        "tags": [],
        "emojis": [],
        "reblogs_count": 0,
        "favourites_count": 0,
        "replies_count": 1 if place < len(items) - 1 else 0,
        "in_reply_to_id": status_id(parent) if parent else None,
        "in_reply_to_account_id": entities.account_id(parent_author) if parent_author else None,
        "reblog": None,
        "poll": None,
        "card": None,
        "language": city.settings.language,
        "text": None,
        "favourited": False,
        "reblogged": False,
        "muted": False,
        "bookmarked": False,
        "pinned": False,
        "filtered": [],
        "comptoir": {
            "negotiation": negotiation.public_id,
            "kind": kind,
            **({"offer_state": item.offer.state.value} if item.offer is not None else {}),
        },
    }


def _located(session: Session, member: Member, raw: str) -> tuple[Negotiation, list[Item], Item]:
    """The thread, its items and the item a thread status id names, for a party of the
    thread; anyone else gets 404, as for a direct status they may not see."""
    found = decode(raw)
    if found is None:
        raise NotFound("record")
    table, row_id = found
    row: Offer | NegotiationMessage | None = (
        session.get(Offer, row_id) if table is Offer else session.get(NegotiationMessage, row_id)
    )
    if row is None:
        raise NotFound("record")
    negotiation = conversations.find(session, member, row.negotiation_id)
    items = conversations.items(session, negotiation)
    item = next(i for i in items if (i.offer or i.message) is row)
    return negotiation, items, item


def show(session: Session, city: City, member: Member | None, raw: str) -> dict[str, Any]:
    if member is None:
        raise NotFound("record")
    negotiation, items, item = _located(session, member, raw)
    shown = status(session, city, negotiation, items, item)
    if shown is None:
        raise NotFound("record")
    return shown


def context(session: Session, city: City, member: Member | None, raw: str) -> dict[str, Any]:
    """Ancestors: what was said before in the thread; descendants: what came after."""
    if member is None:
        raise NotFound("record")
    negotiation, items, item = _located(session, member, raw)
    place = items.index(item)
    shown = [status(session, city, negotiation, items, i) for i in items]
    return {
        "ancestors": [s for s in shown[:place] if s is not None],
        "descendants": [s for s in shown[place + 1 :] if s is not None],
    }


def _without_leading_mentions(text: str, them: Party) -> str:
    """Apps start a reply with `@handle` of the people in it; the thread already names the
    counterpart, so those leading mentions are dropped from the message."""
    who = (
        them.member.username if them.member is not None else them.actor.handle if them.actor else ""
    )
    names = {f"@{who}".lower(), f"@{who.split('@')[0]}".lower()}
    words = text.split(" ")
    while words and words[0].lower() in names:
        words.pop(0)
    return " ".join(words).strip()


def reply(
    session: Session, city: City, member: Member, raw: str, text: str, visibility: str
) -> dict[str, Any]:
    """A direct reply to an offer or message: a message in that thread (it federates when
    the counterpart is remote), read by its writer."""
    negotiation, _, _ = _located(session, member, raw)
    if visibility != "direct":
        raise DomainError(
            "unprocessable",
            "Validation failed: a reply in a negotiation is a direct message",
            422,
        )
    side = conversations.conversation(session, member, negotiation).side
    them = party(session, negotiation, other(side))
    message = negotiating.send_message(
        session, city, member, negotiation, _without_leading_mentions(text, them)
    )
    conversations.mark_read(session, member, negotiation)
    items = conversations.items(session, negotiation)
    item = next(i for i in items if i.message is message)
    shown = status(session, city, negotiation, items, item)
    assert shown is not None
    return shown


def conversation(session: Session, city: City, found: Conversation) -> dict[str, Any]:
    """Mastodon's Conversation: the counterpart, the last thing said, unread or not."""
    them = _account(party(session, found.negotiation, other(found.side)))
    last = found.last
    return {
        "id": str(found.negotiation.id),
        "unread": found.unread,
        "accounts": [entities.account(city, them)] if them is not None else [],
        "last_status": status(session, city, found.negotiation, found.items, last)
        if last is not None
        else None,
    }
