"""Negotiation pages: my threads, one thread with its offers and messages, and the forms that
answer.

Every form names the offer it answers, so a member who answers an offer superseded meanwhile
is refused (`offer_superseded`) instead of accepting something they did not see.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from exchange import (
    agreements,
    delivery_failures,
    listings,
    negotiations,
    notifications,
    offers,
    rates,
    rule_terms,
    settlements,
)
from exchange.errors import DomainError
from federation.authority import authority_of
from instance.city import city_of
from instance.html import text_to_html
from instance.i18n import format_amount
from instance.i18n import gettext as _
from models import Agreement, AgreementState, ExchangeRule, Listing, Member, SettlementState, utcnow
from services import negotiations as outgoing
from services import settlement_payer as paying

from . import form_fields
from .csrf import checked_form
from .market import listing_page, signed_in
from .pages import render
from .refusal import AMOUNT_CODES, NONE, Refusal, refusal

#: which field of an offer or counter-offer form each refusal is about
TERMS_FIELDS = {
    **dict.fromkeys(AMOUNT_CODES, "price"),
    "invalid_quantity": "quantity",
    "not_enough_left": "quantity",
    "too_long": "goods",
    "invalid_expiry": "expires_on",
}


def form_terms(form: FormData, listing: Listing) -> offers.Terms:
    message = str(form.get("message", ""))
    return offers.check_terms(
        listing,
        quantity=form_fields.quantity(form),
        price=form_fields.optional_decimal(form, "price"),
        goods=str(form.get("goods", "")),
        message=text_to_html(message) if message.strip() else "",
        expires_at=form_fields.end_of_day(form),
        now=utcnow(),
    )


async def open_negotiation(request: Request) -> Response:
    """The offer form of a listing's page: opens a thread with a first offer."""
    who = await signed_in(request)
    form = await checked_form(request)
    city = city_of(request)
    public_id = request.path_params["public_id"]

    def write(session: Session) -> str:
        listing = listings.find(session, public_id)
        negotiation, _offer = outgoing.make_offer(
            session, city, who, listing, form_terms(form, listing)
        )
        return negotiation.public_id

    try:
        thread_id = await city.db.write(write)
    except DomainError as exc:
        return await listing_page(request, refusal("offer", form, exc, TERMS_FIELDS))
    return RedirectResponse(f"/negotiations/{thread_id}", 303)


async def threads_page(request: Request) -> Response:
    who = await signed_in(request)
    city = city_of(request)

    def read(session: Session) -> list[Any]:
        return [
            negotiations.thread(session, n)
            for n in negotiations.threads_of(session, who, limit=100)
        ]

    return await render(
        request, "negotiations/index.html", threads=await city.db.read(read), member=who
    )


async def thread_page(request: Request, refused: Refusal = NONE) -> Response:
    who = await signed_in(request)
    city = city_of(request)
    currency = city.settings.currency

    def read(
        session: Session,
    ) -> tuple[Any, Any, dict[int, str], bool, dict[str, Any], str, str]:
        negotiation, side = negotiations.of_member(session, who, request.path_params["public_id"])
        thread = negotiations.thread(session, negotiation)
        undelivered = delivery_failures.about(
            session,
            [o.uri for o in thread.offers]
            + [m.uri for m in thread.messages]
            + ([thread.agreement.accept_uri] if thread.agreement is not None else []),
        )
        listing = thread.listing
        converted = {}
        for offer in thread.offers:
            quote = (
                rates.quote(
                    session,
                    offer.price,
                    listing.currency,
                    currency.code,
                    domain=authority_of(listing.uri),
                )
                if offer.price
                else None
            )
            if quote is not None:
                converted[offer.id] = (
                    f"≈ {format_amount(quote.amount, currency.scale)} {quote.currency}"
                )
        note = _settlement_note(session, thread)
        fixed = _quote(session, thread.agreement, listing.scale)
        may_pay = _may_pay(session, who, thread)
        return thread, side, converted, may_pay, undelivered, note, fixed

    # a refusal: server.errors
    thread, side, converted, may_pay, undelivered, settlement_note, quote = await city.db.read(read)
    return await render(
        request,
        "negotiations/show.html",
        refused.status,
        thread=thread,
        side=side,
        converted=converted,
        may_pay=may_pay,
        undelivered=undelivered,
        settlement_note=settlement_note,
        quote=quote,
        refused=refused,
        member=who,
        money=lambda amount: format_amount(amount, thread.listing.scale),
    )


def _quote(session: Session, agreement: Agreement | None, seller_scale: int) -> str:
    """The quote a cross-city agreement fixed, as the page says it ('' for none)."""
    if agreement is None or agreement.rule_id is None or agreement.buyer_amount is None:
        return ""
    rule = session.get(ExchangeRule, agreement.rule_id)
    assert rule is not None and agreement.amount is not None
    buyer_scale = rule_terms.scale_of(rule, agreement.buyer_currency)
    return _(
        "%(seller)s = %(buyer)s, fixed at agreement under exchange rule version %(version)s"
        " (hash %(hash)s…)"
    ) % {
        "seller": f"{format_amount(agreement.amount, seller_scale)} {agreement.currency}",
        "buyer": f"{format_amount(agreement.buyer_amount, buyer_scale)} {agreement.buyer_currency}",
        "version": rule.version,
        "hash": rule.hash[:12],
    }


def _may_pay(session: Session, who: Member, thread: Any) -> bool:
    """Whether the page offers `who` the button that pays the agreement: the paying party of
    an unpaid agreement, across cities while no settlement of it is in flight.
    """
    agreement = thread.agreement
    if agreement is None or agreement.state is not AgreementState.agreed or not agreement.amount:
        return False
    try:
        if paying.cross_city_parties(session, who, thread.negotiation) is not None:
            tried = settlements.attempts(session, agreement.id)
            return all(row.state is SettlementState.aborted for row in tried)
        return agreements.payable(session, agreement).payer == who.username
    except DomainError:
        return False


def _settlement_note(session: Session, thread: Any) -> str:
    """Where the latest cross-city payment of the agreement stands, in words."""
    if thread.agreement is None:
        return ""
    tried = settlements.attempts(session, thread.agreement.id)
    if not tried:
        return ""
    row = tried[-1]
    paid = f"{format_amount(row.source_amount, row.source_scale)} {row.source_currency}"
    got = f"{format_amount(row.target_amount, row.target_scale)} {row.target_currency}"
    facts = {"paid": paid, "got": got, "code": row.code, "reason": row.reason}
    if row.state in (SettlementState.committed, SettlementState.acked):
        return _("Paid across cities: %(paid)s here, %(got)s there.") % facts
    if row.state in (SettlementState.preparing, SettlementState.prepared):
        return _("Payment in progress: %(paid)s held, %(got)s to arrive.") % facts
    return (_("The payment did not go through (%(code)s).") % facts + f" {row.reason}").strip()


def _form_name(kind: str, form: FormData) -> str:
    """The thread page's form an action comes from: an offer's buttons share one name per offer."""
    if kind in ("accept", "reject", "withdraw"):
        return f"offer:{form.get('offer', '')}"
    return kind


def thread_action(kind: str) -> Any:
    async def endpoint(request: Request) -> Response:
        who: Member = await signed_in(request)
        form = await checked_form(request)
        city = city_of(request)
        public_id = request.path_params["public_id"]

        def write(session: Session) -> None:
            negotiation, _side = negotiations.of_member(session, who, public_id)
            offer_id = str(form.get("offer", ""))
            if kind == "message":
                outgoing.send_message(session, city, who, negotiation, str(form.get("text", "")))
                return
            if kind == "pay":
                paying.pay(session, city, who, negotiation)
                return
            offer = offers.by_public_id(session, negotiation, offer_id) if offer_id else None
            if kind == "counter":
                listing = session.get(Listing, negotiation.listing_id)
                assert listing is not None
                outgoing.counter(session, city, who, negotiation, form_terms(form, listing), offer)
            elif offer is None:
                raise DomainError("missing_field", "which offer?", 400)
            elif kind == "accept":
                outgoing.accept(session, city, who, negotiation, offer)
            elif kind == "reject":
                outgoing.reject(session, city, who, negotiation, offer, str(form.get("reason", "")))
            else:
                outgoing.withdraw(session, city, who, negotiation, offer)

        try:
            if kind == "pay":
                await paying.know_partner(city, who, public_id)
            await city.db.write(write)
        except DomainError as exc:
            return await thread_page(
                request,
                refusal(
                    _form_name(kind, form), form, exc, TERMS_FIELDS if kind == "counter" else None
                ),
            )
        return RedirectResponse(f"/negotiations/{public_id}", 303)

    return endpoint


async def notifications_page(request: Request) -> Response:
    who = await signed_in(request)
    city = city_of(request)
    rows = await city.db.read(lambda s: notifications.page(s, who, limit=100))
    return await render(request, "notifications.html", notifications=rows, member=who)


async def mark_notifications_read(request: Request) -> Response:
    who = await signed_in(request)
    await checked_form(request)
    await city_of(request).db.write(lambda s: notifications.mark_read(s, who))
    return RedirectResponse("/notifications", 303)


THREAD_ACTIONS = ("counter", "accept", "reject", "withdraw", "message", "pay")
