"""Pinning a status to the member's profile, and taking the pin back (from an app).

The use case writes the pin and, for a note or a listing, the `Add` (or `Remove`) to the
member's `featured` collection that tells their followers' servers, in one transaction
(outbox/featured.py). Nothing is sent when nothing changed (unpinning what was not pinned).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from exchange import status_pins
from exchange.statuses import StatusRow
from instance.city import City
from models import Member
from outbox.featured import announce_pin, federates


def pin(session: Session, city: City, member: Member, row: StatusRow) -> None:
    """Pin a status the member can see (refused unless theirs, public and under the limit)."""
    status_pins.pin(session, member, row)
    if federates(row):
        announce_pin(session, city, member, row.item.uri, pinned=True)


def unpin(session: Session, city: City, member: Member, row: StatusRow) -> None:
    if status_pins.unpin(session, member, row.status.id) and federates(row):
        announce_pin(session, city, member, row.item.uri, pinned=False)
