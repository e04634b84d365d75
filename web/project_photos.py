"""The project page's photo buttons: its owner (or staff) adds a photo with its alt text, or
removes one, while the project is a draft or open.

The same checks and codes as the API and the listing form (exchange/photos.py): the file is
decoded and re-encoded before it is stored, stored before the transaction that records it,
and removed if that transaction fails; a removed photo's file is deleted once the change is
committed. A refusal comes back on the project page beside the photo form, in the member's
language. An open project's Page is updated for its followers (services/projects.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from exchange import photos
from exchange.errors import DomainError
from instance.city import city_of
from instance.media_store import in_thread
from models import Member
from services import projects as cases

from .csrf import checked_form
from .listing_form import FILE_CODES
from .market import signed_in
from .refusal import Refusal, refusal

FORM = "photos"


def _member(session: Session, who: Member) -> Member:
    row = session.get(Member, who.id)
    assert row is not None
    return row


#: the project page drawn again with a refusal (web.projects.project_page, which routes here)
Page = Callable[[Request, Refusal], Awaitable[Response]]


async def add(request: Request, again: Page) -> Response:
    city = city_of(request)
    who = await signed_in(request)
    form = await checked_form(request)
    slug = request.path_params["slug"]
    upload = form.get("photo")
    limit = city.settings.listings.max_photo_bytes
    name: str | None = None
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise DomainError("not_an_image", "choose a photo to add", 400)
        prepared = photos.prepare(await upload.read(limit + 1), form.get("alt"), max_bytes=limit)
        name = await in_thread(photos.store, prepared, city.media)
        entry: dict[str, Any] = photos.entry(name, prepared)
        await city.db.write(lambda s: cases.add_photos(s, city, slug, _member(s, who), [entry]))
    except DomainError as exc:
        if name is not None:
            await in_thread(photos.remove, city.media, name)
        typed = {"alt": str(form.get("alt", ""))}
        shown = refusal(FORM, typed, exc)
        field = "photo" if exc.code in FILE_CODES else "alt"
        return await again(
            request, Refusal(shown.form, shown.values, shown.message, shown.status, field)
        )
    except BaseException:
        if name is not None:
            await in_thread(photos.remove, city.media, name)
        raise
    return RedirectResponse(f"/projects/{slug}", status_code=303)


async def remove(request: Request, again: Page) -> Response:
    city = city_of(request)
    who = await signed_in(request)
    await checked_form(request)
    slug, number = request.path_params["slug"], int(request.path_params["n"])
    try:
        name = await city.db.write(
            lambda s: cases.remove_photo(s, city, slug, _member(s, who), number - 1)
        )
    except DomainError as exc:
        return await again(request, refusal(FORM, {}, exc))
    await in_thread(photos.remove, city.media, name)
    return RedirectResponse(f"/projects/{slug}", status_code=303)
