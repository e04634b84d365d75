"""Our listings on the wire: the FEP-0837 Note, and its Create, Announce, Update and Delete.

The Note is what a Mastodon server shows (shared/design/PROTOCOL.md): `content` carries
everything a person needs (title, description, price, place, expiry, link, hashtags), there
is no `summary` (Mastodon would make it a content warning), at most four Image attachments
with their alt text in `name`, addressed to Public with the author's followers and the city
market in `cc`. The FEP-0837 fields (`purpose`, `publishes`, `reciprocal`) are there for
servers that understand them, with our context in `@context`.

Deliveries: the author's Create goes to the author's followers; the market Group Announces
the listing to the market's followers; Updates and Deletes go to both audiences, since
either may hold a copy.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.vocab import PUBLIC
from instance import i18n
from instance.amounts import format_amount
from instance.city import City
from instance.html import plain_name, text_to_html
from instance.urls import Urls
from models import Listing, Member, Negotiation, Purpose, RemoteActor, new_public_id, utcnow

from . import render
from .publish import Audience, publish

#: the precision of a listing's `updated` on the wire
_TICK = timedelta(milliseconds=1)


def _mark(message: str) -> str:
    """Mark an English word for the catalogues; it is translated where it is shown."""
    return message


#: English source words, translated in the language of the page or of the listing
PURPOSE_LABELS = {
    Purpose.offer: _mark("Offer"),
    Purpose.request: _mark("Wanted"),
    Purpose.gift: _mark("Gift"),
}


def purpose_label(listing: Listing) -> str:
    """'Offer', 'Wanted' or 'Gift' in the current language (`instance.i18n.use`)."""
    return i18n.gettext(PURPOSE_LABELS[listing.purpose])


def price_text(listing: Listing) -> str:
    """The price line as people read it, in the listing's own currency and the current
    language: the page's for the web, the listing's for its federated text."""
    _ = i18n.gettext
    if listing.purpose is Purpose.gift:
        return _("Free: a gift")
    if listing.price is None:
        if listing.purpose is Purpose.request:
            return _("Budget: open to proposals")
        return _("Price: open to proposals")
    facts = {
        "amount": i18n.format_amount(listing.price, listing.scale),
        "code": listing.currency,
    }
    if listing.purpose is Purpose.request:
        if listing.quantity > 1:
            return _("Budget: %(amount)s %(code)s each") % facts
        return _("Budget: %(amount)s %(code)s") % facts
    if listing.quantity > 1:
        return _("Price: %(amount)s %(code)s each") % facts
    return _("Price: %(amount)s %(code)s") % facts


def listing_language(city: City, listing: Listing, author: Member | None) -> str:
    """The language the listing's text is written in: as recorded when it was written (the
    page language of its author), else the author's chosen language, else the city's."""
    return listing.language or (author.language if author else None) or city.settings.language


def _hashtag(urls: Urls, slug: str) -> str:
    return (
        f'<a href="{html.escape(urls.tag(slug))}" class="mention hashtag" rel="tag">'
        f"#<span>{html.escape(slug)}</span></a>"
    )


def listing_hashtags(listing: Listing) -> list[str]:
    """The category, then the listing's other hashtags (`listings.hashtags`: ours typed in
    the description, another city's from its Note), each once: its Note's `Hashtag` tags
    and its Status's `tags`."""
    names = [listing.category] if listing.category else []
    return names + [name for name in listing.hashtags or [] if name not in names]


def content_html(urls: Urls, listing: Listing) -> str:
    """The listing as HTML for other servers, its labels in the current language (the caller
    speaks the listing's language: `render_listing`)."""
    e = html.escape
    _ = i18n.gettext
    heading = _("%(kind)s: %(title)s") % {"kind": purpose_label(listing), "title": listing.title}
    parts = [f"<p><strong>{e(heading)}</strong></p>"]
    if listing.description:
        parts.append(text_to_html(listing.description, tag_url=urls.tag))
    facts = [e(price_text(listing))]
    if listing.quantity > 1:
        wanted = listing.purpose is Purpose.request
        label = _("Wanted: %(n)s") if wanted else _("Available: %(n)s")
        facts.append(label % {"n": i18n.format_number(listing.quantity)})
    if listing.place:
        facts.append(_("Place: %(place)s") % {"place": e(listing.place)})
    if listing.expires_at is not None:
        facts.append(_("Until: %(day)s") % {"day": i18n.format_date(listing.expires_at)})
    parts.append("<p>" + "<br>".join(facts) + "</p>")
    parts.append(f'<p><a href="{e(listing.uri)}">{e(listing.uri)}</a></p>')
    if listing.category:
        parts.append(f"<p>{_hashtag(urls, listing.category)}</p>")
    return "".join(parts)


def _quantity(value: int | str) -> dict[str, str]:
    return {"hasUnit": "one", "hasNumericalValue": str(value)}


def render_listing(city: City, listing: Listing, author: Member) -> dict[str, Any]:
    """The listing as an ActivityStreams Note with FEP-0837 fields."""
    urls = city.urls
    author_id = urls.member(author.username)
    language = listing_language(city, listing, author)
    with i18n.use(language):
        content = content_html(urls, listing)
    document: dict[str, Any] = {
        "@context": render.context(urls, comptoir=True),
        "id": listing.uri,
        "type": "Note",
        "attributedTo": author_id,
        "audience": urls.market,
        "to": [PUBLIC],
        "cc": [urls.followers(author_id), urls.market],
        "published": render.iso(listing.listed_at or listing.created_at),
        "url": listing.uri,
        "name": plain_name(listing.title),
        "content": content,
        # tagged with the language the text is in, not the city's (docs/I18N.md)
        "contentMap": {language: content},
        "source": {"content": listing.description, "mediaType": "text/plain"},
        "sensitive": False,
        "tag": render.hashtag_entries(urls, listing_hashtags(listing)),
        "attachment": render.image_attachments(urls, listing.photos),
        "purpose": "request" if listing.purpose is Purpose.request else "offer",
        "unitBased": True,
        "publishes": {
            "id": f"{listing.uri}#primary",
            "type": "Intent",
            "action": "transfer",
            "resourceQuantity": _quantity(1),
            "availableQuantity": _quantity(listing.quantity),
        },
    }
    if listing.category:
        document["publishes"]["resourceConformsTo"] = urls.category(listing.category)
    if listing.purpose is not Purpose.gift:
        quantity: dict[str, str] = {"hasUnit": "one"}
        if listing.price is not None:
            quantity["hasNumericalValue"] = format_amount(listing.price, listing.scale)
        document["reciprocal"] = {
            "id": f"{listing.uri}#reciprocal",
            "type": "Intent",
            "action": "transfer",
            "resourceConformsTo": urls.currency,
            "resourceQuantity": quantity,
        }
    if listing.expires_at is not None:
        document["endTime"] = render.iso(listing.expires_at)
    if listing.updated_at is not None:
        document["updated"] = render.iso_ms(listing.updated_at)
    if listing.place or listing.latitude is not None:
        place: dict[str, Any] = {
            "type": "Place",
            "name": listing.place or f"{listing.latitude}, {listing.longitude}",
        }
        if listing.latitude is not None:
            place.update(latitude=listing.latitude, longitude=listing.longitude)
        document["location"] = place
    return document


def _addressing(city: City, author: Member) -> tuple[list[str], list[str]]:
    author_id = city.urls.member(author.username)
    return [PUBLIC], [city.urls.followers(author_id), city.urls.market]


def _everyone(session: Session, city: City, listing: Listing, author: Member) -> Audience:
    """Every city that may hold a copy: the author's and the market's followers, and the
    remote parties who negotiated on it (they fetched it, whether or not they follow)."""
    parties = session.scalars(
        select(RemoteActor)
        .where(
            RemoteActor.id.in_(
                select(Negotiation.buyer_actor_id).where(
                    Negotiation.listing_id == listing.id, Negotiation.buyer_actor_id.is_not(None)
                )
            )
        )
        .order_by(RemoteActor.id)
    )
    return Audience(
        followers_of=[city.urls.member(author.username), city.urls.market], actors=list(parties)
    )


def federate_publication(session: Session, city: City, listing: Listing, author: Member) -> None:
    """The listing was just published: the author's Create, and the market's Announce."""
    urls = city.urls
    to, cc = _addressing(city, author)
    note = render_listing(city, listing, author)
    moment = listing.listed_at or utcnow()
    author_id = urls.member(author.username)
    create = render.activity(
        urls,
        "Create",
        urls.listing_activity(listing.public_id, "activity"),
        author_id,
        note,
        to=to,
        cc=cc,
        published=moment,
        extra_context=True,
    )
    publish(session, city, create, Audience(followers_of=[author_id]))
    announce = render.activity(
        urls,
        "Announce",
        urls.listing_activity(listing.public_id, "announce"),
        urls.market,
        listing.uri,
        to=[PUBLIC],
        cc=[urls.followers(urls.market), author_id],
        published=moment,
    )
    publish(session, city, announce, Audience(followers_of=[urls.market]))


def federate_update(session: Session, city: City, listing: Listing, author: Member) -> None:
    urls = city.urls
    # strictly later than the last Update, to the millisecond the document carries: a copy
    # applies an Update only when it is newer than the one it holds
    now = utcnow()
    last = listing.updated_at
    listing.updated_at = now if last is None or now - last >= _TICK else last + _TICK
    to, cc = _addressing(city, author)
    note = render_listing(city, listing, author)
    activity_id = urls.listing_activity(listing.public_id, f"updates/{new_public_id()}")
    update = render.activity(
        urls,
        "Update",
        activity_id,
        urls.member(author.username),
        note,
        to=to,
        cc=cc,
        published=listing.updated_at,
        extra_context=True,
    )
    publish(session, city, update, _everyone(session, city, listing, author))


def federate_delete(
    session: Session, city: City, listing: Listing, author: Member, deleted: datetime | None = None
) -> None:
    urls = city.urls
    to, cc = _addressing(city, author)
    gone = render.tombstone(
        urls, listing.uri, deleted or listing.ended_at or utcnow(), end_state=listing.state.value
    )
    delete = render.activity(
        urls,
        "Delete",
        urls.listing_activity(listing.public_id, "delete"),
        urls.member(author.username),
        gone,
        to=to,
        cc=cc,
        extra_context=True,
    )
    publish(session, city, delete, _everyone(session, city, listing, author))
