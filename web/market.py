"""The market's pages: browse and search, post a listing with photos, a listing's page, edit,
withdraw.

Forms post back with this session's CSRF token (web/csrf.py). A refused form is shown again
with the error; photos are decoded and checked before anything is written, stored before the
transaction that records them, and removed if that transaction fails.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote, quote_plus, urlencode

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from exchange import (
    categories,
    form_submissions,
    listings,
    moderation,
    negotiations,
    photos,
    search,
)
from exchange.amounts import parse_amount
from exchange.errors import DomainError
from exchange.listings import ListingDraft
from federation.authority import authority_of
from instance import i18n
from instance.city import City, city_of
from instance.i18n import format_amount
from instance.i18n import gettext as _
from instance.media_store import MediaStoreError, in_thread
from models import Listing, Member, Purpose, Role
from outbox.listings import price_text, purpose_label
from services import listings as market

from . import form_fields, listing_form
from .csrf import checked_form
from .messages import describe
from .pages import render
from .refusal import NONE, Refusal
from .session import current_member

log = logging.getLogger("comptoir.web.market")


#: photo names are random and never reused: browsers and proxies may keep them for a year
IMMUTABLE = "public, max-age=31536000, immutable"


async def signed_in(request: Request) -> Member:
    member = await current_member(request)
    if member is None:
        raise HTTPException(401, _("Log in first."))
    return member


def _policy_verdicts(policy: Any) -> search.Verdicts:
    return search.Verdicts(
        silenced=lambda d: policy.verdict(d).silenced, refused=lambda d: not policy.allows(d)
    )


def _domain(listing: Listing) -> str:
    return authority_of(listing.uri)


def decorate(session: Session, city: City, rows: list[Listing]) -> list[dict[str, Any]]:
    """What the templates show beside each listing: author, price line, converted price."""
    currency = city.settings.currency
    found = search.authors(session, rows)
    quoted = search.quotes(session, rows, payer_currency=currency.code, domain=_domain)
    shown = []
    for row in rows:
        author = found[row.id]
        quote = quoted.get(row.id)
        shown.append(
            {
                "listing": row,
                "label": purpose_label(row),
                "price": price_text(row),
                "converted": f"≈ {format_amount(quote.amount, currency.scale)} {quote.currency}"
                if quote
                else "",
                # priced in another currency with no rule in force with its city: shown in
                # its own currency, and members cannot pay for it
                "unpayable": quote is None
                and row.price is not None
                and row.currency != currency.code,
                "author": f"@{author.username}"
                if author.username
                else f"@{author.actor.handle}"
                if author.actor
                else "",
                "author_url": f"/@{author.username}"
                if author.username
                else (author.actor.url or author.actor.uri)
                if author.actor
                else "",
                "photos": [
                    {
                        "url": city.urls.media(p["file"]) if "file" in p else p["url"],
                        "alt": p["alt"],
                    }
                    for p in row.photos
                ],
            }
        )
    return shown


# ---------------------------------------------------------------------- browsing


async def browse(request: Request) -> Response:
    city = city_of(request)
    who = await current_member(request)
    params = request.query_params
    purpose = params.get("purpose") or None
    error = None
    try:
        filters = search.Filters(
            purpose=Purpose(purpose)
            if purpose is not None and purpose in Purpose.__members__
            else None,
            category=params.get("category") or None,
            city=params.get("city") or None,
            text=params.get("q", ""),
            min_price=(
                parse_amount(
                    form_fields.decimal(params["min_price"]),
                    8,
                    field="lowest price",
                    allow_zero=True,
                ),
                8,
            )
            if params.get("min_price")
            else None,
            max_price=(
                parse_amount(
                    form_fields.decimal(params["max_price"]),
                    8,
                    field="highest price",
                    allow_zero=True,
                ),
                8,
            )
            if params.get("max_price")
            else None,
        )
    except DomainError as exc:
        filters, error = search.Filters(), describe(exc)
    verdicts = _policy_verdicts(await city.fediverse.policy.current())
    viewer_uri = city.urls.member(who.username) if who else None

    def read(session: Session) -> tuple[list[dict[str, Any]], str | None, list[Any]]:
        page = search.browse(
            session,
            filters,
            own_origin=city.settings.domain,
            verdicts=verdicts,
            viewer=who,
            viewer_uri=viewer_uri,
            limit=20,
            cursor=params.get("cursor") or None,
        )
        return (
            decorate(session, city, page.listings),
            page.next_cursor,
            categories.list_categories(session),
        )

    try:
        shown, next_cursor, kinds = await city.db.read(read)
    except DomainError as exc:
        raise HTTPException(exc.status, describe(exc)) from None
    query = {k: v for k, v in params.items() if k != "cursor" and v}
    return await render(
        request,
        "listings/browse.html",
        listings=shown,
        next_cursor=next_cursor,
        query=query,
        categories=kinds,
        error=error,
    )


async def media(request: Request) -> Response:
    """A stored photo: a redirect to the object store when it serves them (`media.public_url`),
    else its bytes streamed from the store (local folder or bucket)."""
    name = request.path_params["name"]
    media_type = photos.media_type_of(name)
    if media_type is None:
        raise HTTPException(404, _("No such file."))
    store = city_of(request).media
    public = store.public_url(name)
    if public is not None:
        return RedirectResponse(public, 302, headers={"Cache-Control": "public, max-age=86400"})
    try:
        found = await in_thread(store.open, name)
    except MediaStoreError as exc:
        log.warning("the media store did not serve %s: %s", name, exc)
        raise HTTPException(503, _("The photo store does not answer; try again later.")) from None
    if found is None:
        raise HTTPException(404, _("No such file."))
    return StreamingResponse(
        found.chunks,
        media_type=media_type,
        headers={"Cache-Control": IMMUTABLE, "Content-Length": str(found.size)},
    )


async def tag(request: Request) -> Response:
    """A category's URL (the `resourceConformsTo` of our listings): the market's listings of
    that category, else those that mention it (a hashtag's page is web/tag_page.py)."""
    slug = request.path_params["slug"].lower()
    city = city_of(request)
    known = await city.db.read(lambda s: categories.find_category(s, slug) is not None)
    target = {"category": slug} if known else {"q": slug}
    return RedirectResponse(f"/listings?{urlencode(target)}", 303)


# ---------------------------------------------------------------------- one listing


def _may_see(listing: Listing, shown_to_all: bool, who: Member | None) -> bool:
    if shown_to_all:
        return True
    return who is not None and (
        who.id == listing.member_id or who.role in (Role.admin, Role.moderator)
    )


async def listing_page(request: Request, refused: Refusal = NONE) -> Response:
    city = city_of(request)
    who = await current_member(request)
    public_id = request.path_params["public_id"]

    def read(
        session: Session,
    ) -> tuple[Listing | None, dict[str, Any] | None, list[Any], Any, bool]:
        try:
            listing = listings.find(session, public_id)
        except DomainError:
            return None, None, [], None, False
        shown = decorate(session, city, [listing])[0]
        mine = []
        if who is not None:
            mine = [
                n
                for n in negotiations.threads_of(session, who, limit=200)
                if n.listing_id == listing.id
            ]
        log = moderation.log_for(session, listing) if who is not None and who.is_moderator else []
        return listing, shown, mine, log, listings.shown_to_all(session, listing)

    listing, shown, threads, log, to_all = await city.db.read(read)
    if listing is None or not _may_see(listing, to_all, who):
        if (
            listing is not None
            and listing.state in listings.ENDED
            and listing.listed_at is not None
        ):
            raise HTTPException(410, _("This listing has ended."))
        raise HTTPException(404, _("No such listing."))
    return await render(
        request,
        "listings/show.html",
        refused.status,
        item=shown,
        listing=listing,
        threads=threads,
        log=log,
        refused=refused,
        is_author=who is not None and who.id == listing.member_id,
    )


# ---------------------------------------------------------------------- posting and editing


def _form_draft(form: FormData) -> ListingDraft:
    def number(name: str) -> float | None:
        text = str(form.get(name, "")).strip()
        if not text:
            return None
        try:
            return float(form_fields.decimal(text))
        except ValueError:
            raise DomainError("invalid_coordinates", f"{name} must be a number", 400) from None

    return ListingDraft(
        purpose=str(form.get("purpose", "")),
        title=str(form.get("title", "")),
        description=str(form.get("description", "")),
        category=str(form.get("category", "")) or None,
        price=form_fields.optional_decimal(form, "price"),
        quantity=form_fields.quantity(form),
        place=str(form.get("place", "")),
        latitude=number("latitude"),
        longitude=number("longitude"),
        expires_at=form_fields.end_of_day(form),
        # what a member types on a page is taken to be in the page's language
        language=i18n.current(),
    )


async def _form_page(
    request: Request,
    *,
    action: str,
    form: dict[str, Any] | None = None,
    refused: Refusal = NONE,
    slots: list[listing_form.Slot] | None = None,
    listing: Listing | None = None,
) -> Response:
    """The listing form: `form` fills the fields, `refused` says what was wrong and where,
    `slots` the photos already sent (pending uploads, shown and carried in hidden fields)."""
    city = city_of(request)
    kinds = await city.db.read(categories.list_categories)
    values: dict[str, Any] = dict(form or {})
    values.setdefault("form_id", form_submissions.new_token())
    numbered = {slot.number: slot.entry for slot in slots or [] if slot.entry is not None}
    return await render(
        request,
        "listings/form.html",
        refused.status,
        categories=kinds,
        action=action,
        form=values,
        refused=refused,
        error=refused.message if refused.message and refused.field is None else None,
        kept={n: {**entry, "url": city.urls.media(entry["file"])} for n, entry in numbered.items()},
        listing=listing,
    )


async def new_listing_page(request: Request) -> Response:
    await signed_in(request)
    return await _form_page(request, action="/listings/new")


async def _forget(city: City, names: list[str]) -> None:
    """Undo the photos stored for a change that failed."""
    for name in names:
        await in_thread(photos.remove, city.media, name)


async def create_listing(request: Request) -> Response:
    """Post a listing. A refusal draws the form again with everything typed and every photo
    sent (pending uploads); a second submission of one drawing of the form (its `form_id`)
    goes to the listing the first one made."""
    who = await signed_in(request)
    form = await checked_form(request)
    city = city_of(request)
    token = form_submissions.usable(form.get("form_id"))
    pending = listing_form.PendingPhotos(request)

    async def again(exc: DomainError, field: str | None, sent: listing_form.SentPhotos) -> Response:
        return await _form_page(
            request,
            action="/listings/new",
            form={k: v for k, v in form.multi_items() if isinstance(v, str)},
            refused=listing_form.refused(form, exc, field),
            slots=sent.slots,
        )

    # the words are chosen here, in the request's language, not in the database thread
    waiting, saved = quote_plus(_("Waiting for a moderator.")), quote_plus(_("Saved."))
    posted_already = quote_plus(_("You posted this listing already."))

    def create_once(session: Session) -> tuple[str, bool]:
        if token is not None and (earlier := form_submissions.earlier(session, who, token)):
            return earlier, False
        twin = listings.recent_twin(session, market.rules_of(city), who, draft)
        if twin is not None:  # Back, then Post: the page was drawn again, with a new token
            return f"/listings/{twin.public_id}?message={posted_already}", False
        listing = market.create(
            session, city, who, draft, submit=form.get("draft") is None, photos=sent.entries()
        )
        note = waiting if listing.state.value == "pending" else saved
        path = f"/listings/{listing.public_id}?message={note}"
        if token is not None:
            form_submissions.remember(session, who, token, path)
        return path, True

    sent = listing_form.SentPhotos(slots=[], fresh=[])
    try:
        sent = await listing_form.read_photos(city, form, pending)
        await _forget(city, sent.unused)
        if sent.problem is not None:
            return await again(*sent.problem, sent)
        draft = _form_draft(form)
        path, made = await city.db.write(create_once)
    except DomainError as exc:
        return await again(exc, listing_form.field_of(exc), sent)
    except IntegrityError:
        # the same form sent twice at once (PostgreSQL): the other one made the listing
        if token is None:
            raise
        used = token

        def first(session: Session) -> str:
            return form_submissions.earlier(session, who, used) or "/"

        path, made = await city.db.read(first), False
    except BaseException:
        await _forget(city, sent.fresh)
        raise
    if made:
        pending.forget([entry["file"] for entry in sent.entries()])
    else:
        pending.forget(sent.fresh)
        await _forget(city, sent.fresh)
    return RedirectResponse(path, 303)


async def edit_listing_page(request: Request) -> Response:
    who = await signed_in(request)
    city = city_of(request)
    listing = await city.db.read(lambda s: listings.find(s, request.path_params["public_id"]))
    if listing.member_id != who.id:
        raise HTTPException(403, _("Only the author can edit this listing."))
    draft = listings.draft_of(listing)
    form = {
        **draft.__dict__,
        # as the member reads and types amounts on this page ('25,50' in French)
        "price": (
            i18n.format_amount(listing.price, listing.scale).replace("\u202f", "")
            if listing.price is not None
            else ""
        ),
        "expires_on": listing.expires_at.date().isoformat() if listing.expires_at else "",
    }
    return await _form_page(
        request, action=f"/listings/{listing.public_id}/edit", form=form, listing=listing
    )


async def edit_listing(request: Request) -> Response:
    who = await signed_in(request)
    form = await checked_form(request)
    city = city_of(request)
    public_id = request.path_params["public_id"]
    try:
        changes = dict(_form_draft(form).__dict__)
        await city.db.write(
            lambda s: market.edit(s, city, who, listings.find(s, public_id), changes)
        )
    except DomainError as exc:
        return await _form_page(
            request,
            action=f"/listings/{public_id}/edit",
            form={k: v for k, v in form.multi_items() if isinstance(v, str)},
            refused=listing_form.refused(form, exc, listing_form.field_of(exc)),
            listing=await city.db.read(lambda s: listings.find(s, public_id)),
        )
    return RedirectResponse(f"/listings/{public_id}?message=" + quote(_("Saved.")), 303)


def _author_action(action: Any) -> Any:
    async def endpoint(request: Request) -> Response:
        who = await signed_in(request)
        await checked_form(request)
        city = city_of(request)
        public_id = request.path_params["public_id"]
        try:
            await city.db.write(lambda s: action(s, city, who, listings.find(s, public_id)))
        except DomainError as exc:
            raise HTTPException(exc.status, describe(exc)) from None
        return RedirectResponse(f"/listings/{public_id}", 303)

    return endpoint


withdraw_listing = _author_action(market.withdraw)
submit_listing = _author_action(market.submit_listing)
