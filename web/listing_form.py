"""The listing form's memory between two drawings: photos already sent, and where each error goes.

A refused listing form must not lose what the member chose, photos included, and a browser
cannot put a file back in a file input. So every photo that decodes is stored at once as a
*pending upload*: the page sends its name back in a hidden field (`kept{n}`) and shows it,
and the next submission uses it without a new upload. The names the member may use this way
are kept in their session (signed by the cookie), never taken from the form alone, so nobody
attaches a photo that someone else sent. A listing that is created takes its pending photos
out of the session; a photo the member removes, or that newer ones push out of the session
(`MAX_PENDING`), is deleted. Photos left pending by a member who gave up stay in the store
unreferenced (as do those of a failed removal, exchange/photos.py).

Each refusal is shown beside the field it is about (`field_of`): the domain names the field in
its code, or first in its message ("title is required", "latitude must be ...").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from exchange import photos
from exchange.errors import DomainError
from instance.city import City
from instance.media_store import in_thread

from .messages import describe
from .refusal import AMOUNT_CODES, NOT_KEPT, Refusal

FORM = "listing"
SESSION_KEY = "pending_photos"
#: pending photos one session keeps: two forms' worth
MAX_PENDING = 2 * photos.MAX_PHOTOS

#: error codes that name their field in the listing form
FIELDS: Mapping[str, str] = {
    "invalid_purpose": "purpose",
    "missing_field": "title",
    "invalid_price": "price",
    "negative_price": "price",
    "price_too_large": "price",
    "gift_with_price": "price",
    **dict.fromkeys(AMOUNT_CODES, "price"),
    "invalid_quantity": "quantity",
    "invalid_expiry": "expires_on",
    "unknown_category": "category",
}
#: fields an error message may start with (codes such as `too_long` serve several fields)
NAMED = ("title", "description", "place", "latitude", "longitude", "quantity", "price")
#: photo errors about the file itself; the others (`alt_required`, `too_long`) are its text's
FILE_CODES = ("photo_too_large", "unsupported_photo", "not_an_image", "media_unavailable")


def field_of(exc: DomainError) -> str | None:
    """The field of the listing form `exc` is about, or None (shown above the form)."""
    if exc.code in FIELDS:
        return FIELDS[exc.code]
    first = exc.message.split(" ", 1)[0]
    if first in NAMED:
        return first
    if exc.code == "invalid_coordinates":
        return "latitude"
    return None


@dataclass
class Slot:
    """One of the form's photo places: the stored photo it holds, if any."""

    number: int
    entry: dict[str, Any] | None = None


class PendingPhotos:
    """The photos this session sent in refused listing forms: name -> what Listing.photos keeps."""

    def __init__(self, request: Request) -> None:
        self.session = request.session

    def _all(self) -> dict[str, dict[str, Any]]:
        found = self.session.get(SESSION_KEY)
        return dict(found) if isinstance(found, dict) else {}

    def get(self, name: object) -> dict[str, Any] | None:
        return self._all().get(name) if isinstance(name, str) else None

    def add(self, entry: dict[str, Any]) -> list[str]:
        """Remember a photo just stored; the names of the oldest ones it pushes out (at most
        `MAX_PENDING` are kept, so the cookie stays small), which the caller deletes."""
        kept = self._all()
        kept[entry["file"]] = {k: v for k, v in entry.items() if k != "alt"}
        evicted = list(kept)[: max(0, len(kept) - MAX_PENDING)]
        for name in evicted:
            del kept[name]
        self.session[SESSION_KEY] = kept
        return evicted

    def forget(self, names: list[str]) -> None:
        kept = self._all()
        for name in names:
            kept.pop(name, None)
        self.session[SESSION_KEY] = kept


@dataclass
class SentPhotos:
    """The photos of one submission: each slot's photo, the names stored by this request, the
    pending photos no form can use any more (removed, or pushed out), and the first photo
    refused (with the field it is about)."""

    slots: list[Slot]
    fresh: list[str]
    problem: tuple[DomainError, str] | None = None
    unused: list[str] = field(default_factory=list)

    def entries(self) -> list[dict[str, Any]]:
        return [slot.entry for slot in self.slots if slot.entry is not None]


async def read_photos(city: City, form: FormData, pending: PendingPhotos) -> SentPhotos:
    """Each slot's photo: a new upload (decoded, re-encoded and stored as pending), else the
    pending photo the form kept, unless the member ticked its removal. A refused upload does
    not stop the others: they are kept for the next drawing of the form."""
    sent = SentPhotos(slots=[], fresh=[])
    limit = city.settings.listings.max_photo_bytes
    for n in range(1, photos.MAX_PHOTOS + 1):
        slot = Slot(n)
        sent.slots.append(slot)
        upload = form.get(f"photo{n}")
        try:
            if isinstance(upload, UploadFile) and upload.filename:
                # the description is checked below, so a photo sent without one is not lost
                prepared = photos.prepare(await upload.read(limit + 1), "-", max_bytes=limit)
                name = await in_thread(photos.store, prepared, city.media)
                sent.fresh.append(name)
                slot.entry = photos.entry(name, prepared)
                sent.unused += pending.add(slot.entry)
            elif kept := pending.get(form.get(f"kept{n}")):
                if form.get(f"drop{n}") is None:
                    slot.entry = dict(kept)
                else:
                    sent.unused.append(kept["file"])
                    pending.forget([kept["file"]])
            if slot.entry is not None:
                slot.entry["alt"] = ""
                slot.entry["alt"] = photos.check_alt(form.get(f"alt{n}"))
        except DomainError as exc:
            if sent.problem is None:
                field = f"photo{n}" if exc.code in FILE_CODES else f"alt{n}"
                sent.problem = (exc, field)
    return sent


def refused(form: FormData, exc: DomainError, field: str | None) -> Refusal:
    """The listing form refused: what was typed (files aside), and the error's field."""
    values = {k: v for k, v in form.multi_items() if isinstance(v, str) and k not in NOT_KEPT}
    return Refusal(FORM, values, describe(exc), exc.status, field)
