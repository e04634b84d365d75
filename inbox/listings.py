"""Listings from other cities: Create, Update, Delete and the market's Announce of FEP-0837 Notes.

A Note carrying FEP-0837 fields (`purpose` and `publishes`) from a Comptoir city is stored as
a listing, with its city (`origin`) and that city's currency (read from the city's instance
actor, which publishes its `currency` facts). A plain Note, or a listing from a server that
publishes no currency, is an ordinary note (inbox/classify.py decides which, for a Create).

We keep a listing when one of our actors follows its author, or follows that city's market
(whose Announce we then receive; the announced object is fetched from its own city, never
trusted from the Announce). Only the author may update or delete it. What we keep is
exchange/remote_listings.py's business.

`claimed_or` composes the Update, Delete and Announce claims with the ordinary handlers (see
inbox/handlers.py): a claim returns True when it took the activity (and recorded it done).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange import listings, offers, remote_listings
from exchange.remote_listings import OriginCurrency
from federation.authorship import authored_by, same_origin
from federation.errors import FetchError
from federation.inbound_listing import InboundListing, parse_listing
from instance.city import City
from instance.outcomes import PermanentFailure
from models import Direction, Follow, FollowState, ListingState, RemoteActor
from services.origins import currency_of

from .process import Delivery, Handler

Claim = Callable[[Delivery], Awaitable[bool]]


def claimed_or(*claims: Claim, fallback: Handler) -> Handler:
    """A handler trying each claim in turn, and the ordinary one when none takes the activity."""

    async def handle(delivery: Delivery) -> None:
        for claim in claims:
            if await claim(delivery):
                return
        await fallback(delivery)

    return handle


async def keep_listing(
    delivery: Delivery, author: RemoteActor, listing: InboundListing, currency: OriginCurrency
) -> None:
    """A Create of a listing, classified as one: kept if followed here, in one transaction."""
    city = delivery.city

    def change(session: Session) -> None:
        if remote_listings.followed_here(session, author):
            reject_media = _reject_media(session, city, listing.id)
            remote_listings.store(session, author, listing, currency, reject_media=reject_media)

    await delivery.apply(change)


def _reject_media(session: Session, city: City, uri: str) -> bool:
    return city.fediverse.policy.current_sync(session).verdict(uri).reject_media


async def on_listing_update(delivery: Delivery) -> bool:
    inbound = parse_listing(delivery.object)
    if inbound is None:
        return False
    known = await delivery.city.db.read(lambda s: listings.by_uri(s, inbound.id))
    if known is None or known.is_local:
        return False
    authored = authored_by(delivery.object, delivery.actor_uri)
    currency = await currency_of(delivery.city, inbound.id) if authored else None
    if currency is None:
        await delivery.apply(lambda s: None)
        return True
    author = await delivery.sender()

    def change(session: Session) -> None:
        reject_media = _reject_media(session, delivery.city, inbound.id)
        remote_listings.revise(session, author, inbound, currency, reject_media=reject_media)

    await delivery.apply(change)
    return True


#: how a listing may end, as its home city says in the Tombstone's `endState`
_END_STATES = {
    s.value: s
    for s in (
        ListingState.closed,
        ListingState.expired,
        ListingState.withdrawn,
        ListingState.rejected,
    )
}


def ended_as(obj: object) -> ListingState:
    """The state a remote listing's copy takes on its Delete: the one its home city gives it
    (`endState` of the Tombstone), `withdrawn` when the Delete does not say."""
    said = obj.get("endState") if isinstance(obj, dict) else None
    if not isinstance(said, str):
        return ListingState.withdrawn
    return _END_STATES.get(said, ListingState.withdrawn)


async def on_listing_delete(delivery: Delivery) -> bool:
    object_id = delivery.object_id
    if object_id is None:
        return False
    known = await delivery.city.db.read(lambda s: listings.by_uri(s, object_id))
    if known is None or known.is_local:
        return False

    def change(session: Session) -> None:
        listing = listings.by_uri(session, object_id)
        sender = session.scalar(select(RemoteActor.id).where(RemoteActor.uri == delivery.actor_uri))
        if (
            listing is None
            or sender is None
            or listing.remote_actor_id != sender
            or not listing.is_open
        ):
            return
        listings.move(listing, end_state)
        # Sold out (`closed`): the threads are not closed here. The seller's city tells each
        # other buyer itself (a Reject or an Undo of the open offer), and the Accept of the
        # agreement that sold it out may still be on its way, racing this Delete. Withdrawn,
        # expired or taken down: no agreement can be racing, and the threads end here too
        # (the seller's Reject or Undo, arriving after, changes nothing).
        if end_state is not ListingState.closed:
            offers.close_for_listing(session, listing)

    end_state = ended_as(delivery.object)

    await delivery.apply(change)
    return True


async def on_listing_announce(delivery: Delivery) -> bool:
    """A followed city market announces one of its city's listings: fetch it there and keep it."""
    object_id = delivery.object_id
    if object_id is None or not same_origin(object_id, delivery.actor_uri):
        return False
    city = delivery.city

    def known(session: Session) -> tuple[bool, bool]:
        market = session.scalar(select(RemoteActor).where(RemoteActor.uri == delivery.actor_uri))
        followed = (
            market is not None
            and market.type == "Group"
            and session.scalar(
                select(Follow.id)
                .where(
                    Follow.remote_actor_id == market.id,
                    Follow.direction == Direction.outbound,
                    Follow.state == FollowState.accepted,
                )
                .limit(1)
            )
            is not None
        )
        return followed, listings.by_uri(session, object_id) is not None

    followed, stored = await city.db.read(known)
    if not followed:
        return False
    if stored:
        await delivery.apply(lambda s: None)
        return True
    try:
        obj = await city.fediverse.directory.fetch(object_id)
    except FetchError as exc:
        if exc.status in (404, 410):
            raise PermanentFailure(f"announced listing {object_id} is gone") from None
        raise
    listing = parse_listing(obj)
    author_uri = listing.note.attributed_to if listing is not None else None
    if listing is None or author_uri is None or not same_origin(author_uri, object_id):
        return False
    currency = await currency_of(city, object_id)
    if currency is None:
        return False
    author = await city.fediverse.directory.actor(author_uri)

    def change(session: Session) -> None:
        reject_media = _reject_media(session, city, listing.id)
        remote_listings.store(session, author, listing, currency, reject_media=reject_media)

    await delivery.apply(change)
    return True
