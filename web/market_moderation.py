"""Moderators' pages for listings: the review queue and the decisions (approve, reject, take
down, hide).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from exchange import listings, moderation
from exchange.errors import DomainError
from instance.city import city_of
from instance.i18n import gettext as _
from models import Member
from services import listings as market

from .csrf import checked_form
from .market import decorate, listing_page, signed_in
from .pages import render
from .refusal import NONE, Refusal, refusal


async def _moderator(request: Request) -> Member:
    who = await signed_in(request)
    if not who.is_moderator:
        raise HTTPException(403, _("Only moderators may see this page."))
    return who


async def queue_page(request: Request, refused: Refusal = NONE) -> Response:
    who = await _moderator(request)
    city = city_of(request)

    def read(session: Session) -> list[dict[str, Any]]:
        return decorate(session, city, moderation.review_queue(session))

    shown = await city.db.read(read)
    return await render(
        request, "admin/listings.html", refused.status, listings=shown, member=who, refused=refused
    )


async def decide(request: Request) -> Response:
    who = await _moderator(request)
    form = await checked_form(request)
    city = city_of(request)
    public_id, action = request.path_params["public_id"], request.path_params["action"]
    reason = str(form.get("reason", ""))
    work = {
        "approve": lambda s, listing: market.approve(s, city, who, listing),
        "reject": lambda s, listing: market.reject(s, city, who, listing, reason),
        "take-down": lambda s, listing: market.take_down(s, city, who, listing, reason),
        "hide": lambda s, listing: moderation.hide(s, who, listing, reason),
        "unhide": lambda s, listing: moderation.unhide(s, who, listing, reason),
    }.get(action)
    if work is None:
        raise HTTPException(404)
    try:
        await city.db.write(lambda s: work(s, listings.find(s, public_id)))
    except DomainError as exc:
        refused = refusal(f"{public_id}/{action}", form, exc)
        if form.get("back") == f"/listings/{public_id}":
            return await listing_page(request, refused)
        return await queue_page(request, refused)
    back = str(form.get("back", "")) or "/admin/listings"
    return RedirectResponse(
        back if back.startswith("/") and not back.startswith("//") else "/admin/listings", 303
    )
