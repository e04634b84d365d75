"""The exchange's timed work: a listing's expiry, an offer's expiry and the end of an exchange
rule's validity, each a job queued for its moment.

`listing.expire` is queued when a listing is published or its expiry changes (the job key
carries the expiry, so an edit queues a new one and the old one finds nothing due);
`offer.expire` when an offer is stored, in both cities of a negotiation, so that each ends
the thread on its own clock without a message having to cross; `partner.rule_expire` when a
rule version comes into force with a `validUntil`, in both cities, for the same reason.
Handlers re-check that the moment has come, so an early or repeated run changes nothing, and
finish the job in the transaction that makes the change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from exchange import listings, offers, partners
from instance import queue
from instance.outcomes import RetryLater
from models import Job, Partnership, utcnow
from services import listings as market
from services.listings import LISTING_EXPIRY
from services.negotiations import OFFER_EXPIRY
from services.partners import RULE_EXPIRY

if TYPE_CHECKING:
    from instance.city import City
    from instance.jobs import JobHandler


async def expire_listing(city: City, job: Job) -> None:
    public_id = str(job.payload.get("listing", ""))

    def work(session: Session) -> bool:
        listing = listings.by_uri(session, city.urls.listing(public_id))
        if (
            listing is not None
            and listing.is_open
            and listing.expires_at is not None
            and listing.expires_at > utcnow()
        ):
            return False  # not yet: the worker clock ran ahead of the row's run_at by a hair
        if listing is not None:
            market.expire(session, city, listing)
        queue.finish(session, Job, [job.id], job.locked_by or "")
        return True

    if not await city.db.write(work):
        raise RetryLater("listing not due yet", after=1.0)


async def expire_offer(city: City, job: Job) -> None:
    uri = str(job.payload.get("offer", ""))

    def work(session: Session) -> None:
        offer = offers.by_uri(session, uri)
        if offer is not None:
            offers.expire(session, offer, now=max(utcnow(), offer.expires_at))
        queue.finish(session, Job, [job.id], job.locked_by or "")

    await city.db.write(work)


async def end_rule(city: City, job: Job) -> None:
    uri = str(job.payload.get("rule", ""))

    def work(session: Session) -> bool:
        rule = partners.rule_by_uri(session, uri)
        if rule is not None and rule.valid_until is not None and rule.valid_until > utcnow():
            return False  # not yet: the worker clock ran ahead of the row's run_at by a hair
        if rule is not None and partners.end_of_validity(session, rule):
            partnership = session.get(Partnership, rule.partnership_id)
            assert partnership is not None
            partners.tell_admins(session, partnership, "partner_rule_ended", version=rule.version)
        queue.finish(session, Job, [job.id], job.locked_by or "")
        return True

    if not await city.db.write(work):
        raise RetryLater("exchange rule not due yet", after=1.0)


HANDLERS: dict[str, JobHandler] = {
    LISTING_EXPIRY: expire_listing,
    OFFER_EXPIRY: expire_offer,
    RULE_EXPIRY: end_rule,
}
