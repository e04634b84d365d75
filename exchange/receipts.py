"""Who and what money moved for, in words a member reads: the statement lines' counterpart
and item, and the receipt of a paid agreement.

The ledger knows accounts (`member:alice`, `peer:https://…`) and transfer ids
(`agreement:01a2…`, `settlement:…:hold`); a member knows people and things. This module
reads the agreement behind an agreement's or a settlement's transfer (its listing, the other
party) and the member behind a `member:` account, so that history, CSV and receipts name the
counterpart and the item. It changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Agreement,
    AgreementState,
    Listing,
    Member,
    Negotiation,
    Purpose,
    Settlement,
    SettlementState,
    Side,
    Transfer,
)

from . import negotiations
from .agreements import transfer_id
from .errors import NotFound
from .ledger.statements import Entry
from .negotiations import other


@dataclass(frozen=True)
class LineNames:
    """What a statement line is about: the counterpart's name, the item, and the thread (for
    the receipt's link; None when the line pays no agreement)."""

    counterpart: str
    item: str
    negotiation: str | None = None


@dataclass(frozen=True)
class Receipt:
    """A paid agreement, as both parties may keep it."""

    negotiation: str
    payer: str
    payee: str
    quantity: int
    item: str
    amount: int
    currency: str
    scale: int
    #: the payer's side of a payment between two cities (None within one city); `amount` is
    #: the listing's currency
    buyer_amount: int | None
    buyer_currency: str | None
    buyer_scale: int | None
    paid_at: datetime
    #: the ledger transfer here, or the settlement's id between two cities
    reference: str


def person(member: Member) -> str:
    """A member as others read them: "Alice Martin (@alice)", or "@alice" without a name."""
    if member.display_name and member.display_name != member.username:
        return f"{member.display_name} (@{member.username})"
    return f"@{member.username}"


def _agreement_of(session: Session, transfer: str) -> Agreement | None:
    if transfer.startswith("agreement:"):
        public_id = transfer.removeprefix("agreement:")
        return session.scalar(select(Agreement).where(Agreement.public_id == public_id))
    if transfer.startswith("settlement:") and transfer.endswith(":hold"):
        public_id = transfer.removeprefix("settlement:").removesuffix(":hold")
        row = session.scalar(select(Settlement).where(Settlement.public_id == public_id))
        if row is not None and row.agreement_id is not None:
            return session.get(Agreement, row.agreement_id)
    return None


def _other_party(session: Session, negotiation: Negotiation, member_id: int | None) -> str:
    side = Side.seller if negotiation.buyer_member_id == member_id else Side.buyer
    them = negotiations.party(session, negotiation, side)
    return person(them.member) if them.member is not None else them.name


def names_of(
    session: Session, member_id: int | None, entries: Iterable[Entry]
) -> dict[int, LineNames]:
    """Each line's names (by leg id), seen by the account holder `member_id`."""
    found: dict[int, LineNames] = {}
    members: dict[str, str] = {}
    for entry in entries:
        agreement = _agreement_of(session, entry.transfer_id)
        if agreement is not None:
            negotiation = session.get(Negotiation, agreement.negotiation_id)
            listing = session.get(Listing, agreement.listing_id)
            if negotiation is not None and listing is not None:
                found[entry.leg_id] = LineNames(
                    _other_party(session, negotiation, member_id),
                    listing.title,
                    negotiation.public_id,
                )
                continue
        key = entry.counterparty
        if key.startswith("member:"):
            if key not in members:
                username = key.removeprefix("member:")
                other = session.scalar(select(Member).where(Member.username == username))
                members[key] = person(other) if other is not None else f"@{username}"
            found[entry.leg_id] = LineNames(members[key], "")
        else:
            found[entry.leg_id] = LineNames(key, "")
    return found


def receipt(session: Session, negotiation: Negotiation) -> Receipt:
    """The receipt of the thread's paid agreement; NotFound while nothing is paid."""
    thread = negotiations.thread(session, negotiation)
    agreement = thread.agreement
    if agreement is None or agreement.state is not AgreementState.paid or agreement.amount is None:
        raise NotFound(f"receipt of {negotiation.public_id!r}")
    settled = session.scalar(
        select(Settlement)
        .where(
            Settlement.agreement_id == agreement.id,
            Settlement.state.in_((SettlementState.committed, SettlementState.acked)),
        )
        .order_by(Settlement.id.desc())
        .limit(1)
    )
    names = {
        side: person(p.member) if p.member is not None else p.name
        for side, p in ((Side.buyer, thread.buyer), (Side.seller, thread.seller))
    }

    # the buyer pays for an offer; a request's author (the seller side) pays the one who helps
    payer = Side.seller if thread.listing.purpose is Purpose.request else Side.buyer

    def made(
        seller_side: tuple[int, str, int],
        buyer_side: tuple[int | None, str | None, int | None],
        paid_at: datetime,
        reference: str,
    ) -> Receipt:
        assert agreement is not None
        return Receipt(
            negotiation=negotiation.public_id,
            payer=names[payer],
            payee=names[other(payer)],
            quantity=agreement.quantity,
            item=thread.listing.title,
            amount=seller_side[0],
            currency=seller_side[1],
            scale=seller_side[2],
            buyer_amount=buyer_side[0],
            buyer_currency=buyer_side[1],
            buyer_scale=buyer_side[2],
            paid_at=paid_at,
            reference=reference,
        )

    if settled is not None:
        # the row states both amounts: the source is the payer's (the buyer's) currency
        source = (settled.source_amount, settled.source_currency, settled.source_scale)
        target = (settled.target_amount, settled.target_currency, settled.target_scale)
        buyer_is_source = settled.source_currency == agreement.buyer_currency
        return made(
            target if buyer_is_source else source,
            source if buyer_is_source else target,
            settled.decided_at or settled.updated_at,
            settled.uri,
        )
    reference = transfer_id(agreement)
    moved = session.scalar(select(Transfer).where(Transfer.public_id == reference))
    return made(
        (agreement.amount, agreement.currency, thread.listing.scale),
        (None, None, None),
        moved.created_at if moved is not None else agreement.created_at,
        reference,
    )
