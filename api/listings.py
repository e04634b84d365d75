"""Listings over JSON: browse and search, post, edit, submit, withdraw, photos, categories.

Reads are open to anonymous clients (a token, when sent, shows the caller's own details and
exemptions); writes need a member's token. Every write runs in one transaction, and a photo's
file is written only after it decoded as an image and removed again if that transaction fails,
so a refusal leaves nothing behind. The OpenAPI description is `listings_spec.SECTION`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import categories, listings, photos, search
from exchange.amounts import parse_amount
from exchange.errors import NotFound
from exchange.listings import ListingDraft
from instance.city import City, city_of
from instance.media_store import in_thread
from models import Listing, ListingState, Member, Purpose, Role
from services import listings as market

from .auth import admin, authenticated
from .errors import ApiError
from .market import listings_json, moment, one_listing_json, optional_body, viewer
from .params import field, json_body, page_limit
from .photo_upload import read_photo

DRAFT_FIELDS = {
    "purpose",
    "title",
    "description",
    "category",
    "price",
    "quantity",
    "place",
    "latitude",
    "longitude",
    "expires_at",
}
_NUMBER = (int, float, type(None))
#: listings per page of the market feed unless `limit` says otherwise (at most 100)
DEFAULT_PAGE = 20


def _draft_values(body: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """The body's listing fields with their types checked; absent fields are left out when
    partial.
    """
    kinds: dict[str, Any] = {
        "purpose": str,
        "title": str,
        "description": str,
        "category": (str, type(None)),
        "price": (str, type(None)),
        "quantity": int,
        "place": str,
        "latitude": _NUMBER,
        "longitude": _NUMBER,
    }
    values: dict[str, Any] = {}
    for name, kind in kinds.items():
        if name in body or (not partial and name in ("purpose", "title")):
            values[name] = field(body, name, kind)
    if "expires_at" in body:
        values["expires_at"] = moment(body, "expires_at")
    return values


def _visible(session: Session, public_id: str, who: Member | None) -> Listing:
    """A listing the caller may see: open ones to all, others to their author and moderators."""
    listing = listings.find(session, public_id)
    if listings.shown_to_all(session, listing):
        return listing
    if who is not None and (
        who.id == listing.member_id or who.role in (Role.admin, Role.moderator)
    ):
        return listing
    raise NotFound(f"listing {public_id!r}")


def _price_bound(request: Request, name: str) -> tuple[int, int] | None:
    text = request.query_params.get(name)
    if text is None:
        return None
    minor = parse_amount(text, 8, field=name, allow_zero=True)
    return minor, 8


async def browse(request: Request) -> Response:
    who = await viewer(request)
    city = city_of(request)
    params = request.query_params
    purpose = params.get("purpose")
    if purpose is not None and purpose not in Purpose.__members__:
        raise ApiError(400, "invalid_parameter", "purpose must be offer, request or gift")
    filters = search.Filters(
        purpose=Purpose(purpose) if purpose else None,
        category=params.get("category"),
        city=params.get("city"),
        text=params.get("q", ""),
        min_price=_price_bound(request, "min_price"),
        max_price=_price_bound(request, "max_price"),
    )
    limit = min(page_limit(request), 100) if "limit" in params else DEFAULT_PAGE
    policy = await city.fediverse.policy.current()
    verdicts = search.Verdicts(
        silenced=lambda d: policy.verdict(d).silenced, refused=lambda d: not policy.allows(d)
    )
    viewer_uri = city.urls.member(who.username) if who is not None else None

    def read(session: Session) -> dict[str, Any]:
        page = search.browse(
            session,
            filters,
            own_origin=city.settings.domain,
            verdicts=verdicts,
            viewer=who,
            viewer_uri=viewer_uri,
            limit=limit,
            cursor=params.get("cursor"),
        )
        return {
            "listings": listings_json(session, city, page.listings, who),
            "next_cursor": page.next_cursor,
        }

    return JSONResponse(await city.db.read(read))


async def my_listings(request: Request) -> Response:
    who = await authenticated(request)
    city = city_of(request)
    state = request.query_params.get("state")
    if state is not None and state not in ListingState.__members__:
        raise ApiError(
            400, "invalid_parameter", f"state must be one of {', '.join(ListingState.__members__)}"
        )
    limit = page_limit(request)

    def read(session: Session) -> dict[str, Any]:
        query = select(Listing).where(Listing.member_id == who.id)
        if state is not None:
            query = query.where(Listing.state == ListingState(state))
        rows = list(session.scalars(query.order_by(Listing.id.desc()).limit(limit)))
        return {"listings": listings_json(session, city, rows, who), "next_cursor": None}

    return JSONResponse(await city.db.read(read))


async def create_listing(request: Request) -> Response:
    who = await authenticated(request, "write:statuses")  # a listing is a status to apps
    city = city_of(request)
    body = await json_body(request, DRAFT_FIELDS | {"submit"})
    draft = ListingDraft(**_draft_values(body, partial=False))
    submit = field(body, "submit", bool, required=False)

    def write(session: Session) -> dict[str, Any]:
        listing = market.create(session, city, who, draft, submit=submit is not False)
        return one_listing_json(session, city, listing, who)

    answer = await city.db.write(write)
    return JSONResponse(
        answer, status_code=201, headers={"Location": f"{request.url.path}/{answer['id']}"}
    )


async def get_listing(request: Request) -> Response:
    who = await viewer(request)
    city = city_of(request)
    public_id = request.path_params["id"]
    return JSONResponse(
        await city.db.read(lambda s: one_listing_json(s, city, _visible(s, public_id, who), who))
    )


async def _act(request: Request, action: Any) -> Response:
    """Run an author's action on their listing in one transaction and answer the listing."""
    who = await authenticated(request)
    city = city_of(request)
    body = await optional_body(request, set())
    public_id = request.path_params["id"]

    def write(session: Session) -> dict[str, Any]:
        listing = listings.find(session, public_id)
        action(session, city, who, listing, body)
        return one_listing_json(session, city, listing, who)

    answer = await city.db.write(write)
    return JSONResponse(answer)


async def edit_listing(request: Request) -> Response:
    who = await authenticated(request)
    city = city_of(request)
    changes = _draft_values(await json_body(request, DRAFT_FIELDS), partial=True)
    public_id = request.path_params["id"]

    def write(session: Session) -> dict[str, Any]:
        listing = listings.find(session, public_id)
        market.edit(session, city, who, listing, changes)
        return one_listing_json(session, city, listing, who)

    answer = await city.db.write(write)
    return JSONResponse(answer)


async def submit_listing(request: Request) -> Response:
    return await _act(
        request, lambda s, c, who, listing, _: market.submit_listing(s, c, who, listing)
    )


async def withdraw_listing(request: Request) -> Response:
    return await _act(request, lambda s, c, who, listing, _: market.withdraw(s, c, who, listing))


async def add_photo(request: Request) -> Response:
    who = await authenticated(request)
    city = city_of(request)
    prepared = await read_photo(request, city)
    public_id = request.path_params["id"]
    name = await in_thread(photos.store, prepared, city.media)

    def write(session: Session) -> dict[str, Any]:
        listing = listings.find(session, public_id)
        market.add_photos(session, city, who, listing, [photos.entry(name, prepared)])
        return one_listing_json(session, city, listing, who)

    try:
        answer = await city.db.write(write)
    except BaseException:
        await in_thread(photos.remove, city.media, name)
        raise
    return JSONResponse(answer, status_code=201)


async def remove_photo(request: Request) -> Response:
    who = await authenticated(request)
    city = city_of(request)
    public_id, index = request.path_params["id"], request.path_params["n"]
    if not index.isdigit() or not 1 <= int(index) <= photos.MAX_PHOTOS:
        raise ApiError(404, "not_found", f"the listing has no photo {index}")

    def write(session: Session) -> tuple[dict[str, Any], str]:
        listing = listings.find(session, public_id)
        name = market.remove_photo(session, city, who, listing, int(index) - 1)
        return one_listing_json(session, city, listing, who), name

    answer, name = await city.db.write(write)
    await in_thread(photos.remove, city.media, name)
    return JSONResponse(answer)


# ------------------------------------------------------------ categories


def _category_json(category: Any) -> dict[str, Any]:
    return {
        "slug": category.slug,
        "name": category.name,
        "retired": category.retired_at is not None,
    }


async def list_categories(request: Request) -> Response:
    city = city_of(request)
    rows = await city.db.read(categories.list_categories)
    return JSONResponse({"categories": [_category_json(c) for c in rows]})


async def create_category(request: Request) -> Response:
    who = await admin(request)
    city: City = city_of(request)
    body = await json_body(request, {"slug", "name"})
    slug, name = field(body, "slug", str), field(body, "name", str)
    made = await city.db.write(
        lambda s: _category_json(categories.add_category(s, slug, name, who))
    )
    return JSONResponse(made, status_code=201)


ROUTES = [
    Route("/listings", browse, methods=["GET"]),
    Route("/listings", create_listing, methods=["POST"]),
    Route("/listings/mine", my_listings, methods=["GET"]),
    Route("/listings/{id}", get_listing, methods=["GET"]),
    Route("/listings/{id}", edit_listing, methods=["PATCH"]),
    Route("/listings/{id}/submit", submit_listing, methods=["POST"]),
    Route("/listings/{id}/withdraw", withdraw_listing, methods=["POST"]),
    Route("/listings/{id}/photos", add_photo, methods=["POST"]),
    Route("/listings/{id}/photos/{n}", remove_photo, methods=["DELETE"]),
    Route("/categories", list_categories, methods=["GET"]),
    Route("/categories", create_category, methods=["POST"]),
]
