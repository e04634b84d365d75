"""The member's own profile at /account/profile: name, profile text, profile fields,
avatar, header picture, language and time zone.

Name and text go through `services.social.update_profile` (the same use case as Mastodon's
update_credentials: followers get an `Update` of the actor); language and time zone are
settings of this city only. All four are written in one transaction, or none: a refusal draws
the form again with everything typed and the error beside its field.

The avatar and the header picture go through the listing photos' checks
(exchange/photos.py: decoded, JPEG, PNG, WebP or GIF, size limit, re-encoded without
metadata) and are stored before the transaction; the new files are removed if the
transaction fails, the old ones once it is committed.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote_plus

from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from exchange import members, photos, profile_fields
from exchange.errors import DomainError, NotFound
from instance import i18n
from instance.city import City, city_of
from instance.html import html_to_text
from instance.i18n import gettext as _
from instance.media_store import in_thread
from models import Member
from services import social

from .csrf import checked_form
from .market import signed_in
from .pages import render
from .refusal import NONE, Refusal, refusal

#: which field each refusal is about
FIELDS = {
    "invalid_display_name": "display_name",
    "invalid_note": "note",
    "invalid_fields": "fields",
    "invalid_language": "language",
    "invalid_time_zone": "time_zone",
    "photo_too_large": "avatar",
    "unsupported_photo": "avatar",
    "not_an_image": "avatar",
    "media_unavailable": "avatar",
}

#: the pictures of a profile, by their form field (and `remove_` + it to remove one)
PICTURES = ("avatar", "header")

#: a few zones offered as suggestions; any IANA name is accepted
SUGGESTED_ZONES = (
    "Europe/Paris",
    "Europe/Brussels",
    "Europe/Zurich",
    "Europe/London",
    "America/Montreal",
    "Africa/Dakar",
    "UTC",
)


async def profile_page(request: Request, refused: Refusal = NONE) -> Response:
    who = await signed_in(request)
    city = city_of(request)
    return await render(
        request,
        "account_profile.html",
        refused.status,
        member=who,
        note=html_to_text(who.summary) if who.summary else "",
        avatar=city.urls.media(who.avatar) if who.avatar else None,
        header=city.urls.media(who.header) if who.header else None,
        languages=i18n.NAMES,
        zones=SUGGESTED_ZONES,
        city_zone=city.settings.time_zone,
        refused=refused,
    )


async def save_profile(request: Request) -> Response:
    who = await signed_in(request)
    form = await checked_form(request)
    city = city_of(request)
    language_typed = str(form.get("language", ""))
    stored: dict[str, str] = {}  # pictures stored before the transaction, by field
    try:
        for name in PICTURES:
            if (picture := await _stored_picture(form.get(name), city)) is not None:
                stored[name] = picture
    except DomainError as exc:
        await _remove(city, stored.values())
        return await profile_page(request, refusal("profile", form, exc, _picture_fields(name)))
    removing = {name for name in PICTURES if form.get(f"remove_{name}") is not None}
    previous: list[str | None] = []

    def write(session: Session) -> None:
        member = session.get(Member, who.id)
        if member is None:
            raise NotFound("member")
        previous.extend(
            getattr(member, name) for name in PICTURES if name in stored or name in removing
        )
        language = i18n.supported(language_typed) if language_typed else None
        if language_typed and language is None:
            raise DomainError("invalid_language", f"no pages in {language_typed!r}", 400)
        members.set_time_zone(member, str(form.get("time_zone", "")))
        member.language = language
        social.update_profile(
            session,
            city,
            member,
            display_name=str(form.get("display_name", "")),
            note=str(form.get("note", "")),
            avatar=stored.get("avatar"),
            remove_avatar="avatar" in removing,
            header=stored.get("header"),
            remove_header="header" in removing,
            fields=[
                (str(form.get(f"field_name_{n}", "")), str(form.get(f"field_value_{n}", "")))
                for n in range(profile_fields.MAX_FIELDS)
            ],
        )

    try:
        await city.db.write(write)
    except BaseException as exc:
        await _remove(city, stored.values())
        if isinstance(exc, DomainError):
            return await profile_page(request, refusal("profile", form, exc, FIELDS))
        raise
    await _remove(city, previous)  # the pictures replaced or removed, once committed
    with i18n.use(i18n.supported(language_typed) or i18n.current()):
        saved = _("Your profile is saved.")
    return RedirectResponse(f"/account/profile?message={quote_plus(saved)}", 303)


async def _remove(city: City, names: Iterable[str | None]) -> None:
    for name in names:
        if name:
            await in_thread(photos.remove, city.media, name)


def _picture_fields(name: str) -> dict[str, str]:
    """FIELDS, with a photo's refusals shown beside the picture it is about."""
    return {code: name if field == "avatar" else field for code, field in FIELDS.items()}


async def _stored_picture(upload: object, city: City) -> str | None:
    """A picture sent with the form (avatar or header), checked and stored; None when none
    was chosen."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    limit = city.settings.listings.max_photo_bytes
    prepared = photos.prepare(
        await upload.read(limit + 1), None, max_bytes=limit, alt_required=False
    )
    return await in_thread(photos.store, prepared, city.media)


def routes() -> list[BaseRoute]:
    return [
        Route("/account/profile", profile_page, methods=["GET"]),
        Route("/account/profile", save_profile, methods=["POST"]),
    ]
