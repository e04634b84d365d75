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
from instance import notification_texts
from instance.city import city_of
from instance.html import text_to_html
from instance.i18n import format_amount
from instance.i18n import gettext as _
from models import (
    Agreement,
    AgreementState,
    ExchangeRule,
    Listing,
    Member,
    Purpose,
    SettlementState,
    utcnow,
)
from services import negotiations as outgoing
from services import settlement_payer as paying

from . import form_fields
from .confirmation import changing, confirmation, confirmed, rehearse, typed
from .confirmation import terms as confirm_terms
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
    "offer_needs_terms": "price",
}


#: which field of the question form each refusal is about
QUESTION_FIELDS = {"empty_message": "text", "too_long": "text"}


#: the field map of each thread form that has fields
FIELDS_OF = {"counter": TERMS_FIELDS, "message": QUESTION_FIELDS}


def is_question(form: FormData, listing: Listing) -> bool:
    """An offer form sent with neither a price nor goods is no offer: a question at most.

    (The API keeps its documented default, the asked price; a page never guesses a price
    the member did not type. A gift asks for nothing, so its empty form is an offer.)
    """
    blank = not str(form.get("price", "")).strip() and not str(form.get("goods", "")).strip()
    return blank and listing.purpose is not Purpose.gift


def question_text(form: FormData) -> str:
    """The message of an offer form sent without terms; refused beside the price when empty."""
    text = str(form.get("message", ""))
    if not text.strip():
        raise DomainError(
            "offer_needs_terms",
            "write a price or goods to make an offer, or only a message to ask a question",
            400,
        )
    return text


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

    if changing(form):
        return await listing_page(request, typed("offer", form))

    def write(session: Session) -> str | tuple[str, str]:
        listing = listings.find(session, public_id)
        if is_question(form, listing):
            return outgoing.ask(session, city, who, listing, question_text(form)).public_id
        offered = form_terms(form, listing)
        if not confirmed(form):
            rehearse(session, lambda: outgoing.make_offer(session, city, who, listing, offered))
            return _offer_sentence(session, city, listing, offered.quantity, offered)
        negotiation, _offer = outgoing.make_offer(session, city, who, listing, offered)
        return negotiation.public_id

    try:
        done = await city.db.write(write)
    except DomainError as exc:
        return await listing_page(request, refusal("offer", form, exc, TERMS_FIELDS))
    if isinstance(done, tuple):
        return await confirmation(
            request,
            form,
            heading=_("Confirm your offer"),
            sentence=done[0],
            details=[done[1]] if done[1] else [],
            back=f"/listings/{public_id}",
            changeable=True,
        )
    return RedirectResponse(f"/negotiations/{done}", 303)


def _offer_sentence(
    session: Session, city: Any, listing: Listing, quantity: int, offered: Any
) -> tuple[str, str]:
    """ "You are about to offer: …" and, for another city's listing, the price in ours."""
    words = confirm_terms(
        quantity, listing.title, offered.price, offered.goods, listing.currency, listing.scale
    )
    return _("You are about to offer: %(terms)s.") % {"terms": words}, _converted(
        session, city, listing, offered.price
    )


def _converted(session: Session, city: Any, listing: Listing, price: int | None) -> str:
    """A price in another city's currency as ours, at the exchange rule in force ('' if none)."""
    if not price or listing.is_local:
        return ""
    currency = city.settings.currency
    quote = rates.quote(
        session, price, listing.currency, currency.code, domain=authority_of(listing.uri)
    )
    if quote is None:
        return ""
    return _("About %(amount)s %(code)s in our currency, at the exchange rule in force.") % {
        "amount": format_amount(quote.amount, currency.scale),
        "code": quote.currency,
    }


def _about_to(
    session: Session, city: Any, who: Member, public_id: str, kind: str, form: FormData
) -> tuple[str, str, list[str]] | None:
    """The confirmation page's heading, sentence and details for a binding thread form; None
    for a counter-offer form that holds only a message (no confirmation: it is a message)."""
    negotiation, _side = negotiations.of_member(session, who, public_id)
    listing = session.get(Listing, negotiation.listing_id)
    assert listing is not None
    if kind == "counter":
        if is_question(form, listing):
            return None
        offered = form_terms(form, listing)
        answered = str(form.get("offer", ""))
        open_offer = offers.by_public_id(session, negotiation, answered) if answered else None
        rehearse(
            session,
            lambda: outgoing.counter(session, city, who, negotiation, offered, open_offer),
        )
        sentence, converted = _offer_sentence(session, city, listing, offered.quantity, offered)
        return _("Confirm your offer"), sentence, [converted] if converted else []
    if kind == "accept":
        offer = offers.by_public_id(session, negotiation, str(form.get("offer", "")))
        rehearse(session, lambda: outgoing.accept(session, city, who, negotiation, offer))
        words = confirm_terms(
            offer.quantity, listing.title, offer.price, offer.goods, listing.currency, listing.scale
        )
        details = [_("Accepting makes an agreement that binds you both.")]
        converted = _converted(session, city, listing, offer.price)
        return (
            _("Confirm the acceptance"),
            _("You are about to accept: %(terms)s.") % {"terms": words},
            details + ([converted] if converted else []),
        )
    thread = negotiations.thread(session, negotiation)
    agreement = thread.agreement
    if agreement is None:
        raise DomainError("no_agreement", "this negotiation has no agreement yet", 409)
    words = confirm_terms(
        agreement.quantity,
        listing.title,
        agreement.amount,
        agreement.goods,
        agreement.currency,
        listing.scale,
    )
    quote = _quote(session, agreement, listing.scale)
    return (
        _("Confirm the payment"),
        _("You are about to pay for %(terms)s, to %(name)s.")
        % {"terms": words, "name": thread.seller.name},
        [quote] if quote else [],
    )


async def ask_question(request: Request) -> Response:
    """The question form of a listing's page: a message to the seller before any offer."""
    who = await signed_in(request)
    form = await checked_form(request)
    city = city_of(request)
    public_id = request.path_params["public_id"]

    def write(session: Session) -> str:
        listing = listings.find(session, public_id)
        return outgoing.ask(session, city, who, listing, str(form.get("text", ""))).public_id

    try:
        thread_id = await city.db.write(write)
    except DomainError as exc:
        return await listing_page(request, refusal("question", form, exc, QUESTION_FIELDS))
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
        entries=in_time_order(thread),
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


def in_time_order(thread: Any) -> list[tuple[str, Any]]:
    """The thread's offers and messages as one conversation, oldest first: ("offer", offer) or
    ("message", message). At the same instant an offer comes before a message."""
    entries = [(o.created_at, 0, o.id, "offer", o) for o in thread.offers] + [
        (m.created_at, 1, m.id, "message", m) for m in thread.messages
    ]
    return [(kind, item) for *_order, kind, item in sorted(entries, key=lambda e: e[:3])]


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
        if kind == "counter" and changing(form):
            return await thread_page(request, typed("counter", form))
        if kind in BINDING and not confirmed(form):
            try:
                about = await city.db.write(
                    lambda s: _about_to(s, city, who, public_id, kind, form)
                )
            except DomainError as exc:
                return await thread_page(
                    request, refusal(_form_name(kind, form), form, exc, FIELDS_OF.get(kind))
                )
            if about is not None:
                heading, sentence, details = about
                return await confirmation(
                    request,
                    form,
                    heading=heading,
                    sentence=sentence,
                    details=details,
                    back=f"/negotiations/{public_id}",
                    changeable=kind == "counter",
                )

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
                if is_question(form, listing):
                    outgoing.send_message(session, city, who, negotiation, question_text(form))
                    return
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
                await paying.paying_after_fetch(city, who, public_id, lambda: city.db.write(write))
            else:
                await city.db.write(write)
        except DomainError as exc:
            return await thread_page(
                request,
                refusal(_form_name(kind, form), form, exc, FIELDS_OF.get(kind)),
            )
        return RedirectResponse(f"/negotiations/{public_id}", 303)

    return endpoint


async def notifications_page(request: Request) -> Response:
    who = await signed_in(request)
    city = city_of(request)
    rows = await city.db.read(lambda s: notifications.page(s, who, limit=100))
    return await render(
        request, "notifications.html", notifications=rows, member=who, said=notification_texts.say
    )


async def mark_notifications_read(request: Request) -> Response:
    who = await signed_in(request)
    await checked_form(request)
    await city_of(request).db.write(lambda s: notifications.mark_read(s, who))
    return RedirectResponse("/notifications", 303)


THREAD_ACTIONS = ("counter", "accept", "reject", "withdraw", "message", "pay")

#: the thread forms that bind the member: sent once to see the terms, again to confirm
BINDING = ("counter", "accept", "pay")
