"""Listing and project photos: checked by decoding them, re-encoded without metadata, kept in
the city's media store (a local folder or an S3 bucket: instance/media_store.py).

The type is what Pillow finds when it decodes the bytes, never the file name or the declared
type. Re-encoding drops EXIF (GPS position, camera serial numbers) and PNG text chunks: the
orientation EXIF carried is applied to the pixels first, so the photo still stands upright.
Files get random names; the database keeps the list on the listing (`Listing.photos`) or the
project (`Project.photos`), the same entries for both.

Callers store the photo before the transaction that records it and remove it if that
transaction fails, so nothing is left half-stored either way. `store` and `remove` block (disk
or network): request code runs them off the event loop (`media_store.in_thread`).
"""

from __future__ import annotations

import io
import logging
import re
import secrets
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from instance.media_store import MediaStore, MediaStoreError

from .errors import DomainError

log = logging.getLogger("comptoir.photos")

MAX_PHOTOS = 4
MAX_ALT = 1500
#: decoded size limit, far below Pillow's bomb threshold: a 40-megapixel photo is plenty
MAX_PIXELS = 40_000_000
#: what Pillow's decoder reports -> (media type, extension, encoder) we store it as
FORMATS = {
    "JPEG": ("image/jpeg", "jpg", "JPEG"),
    "PNG": ("image/png", "png", "PNG"),
    "WEBP": ("image/webp", "webp", "WEBP"),
    "GIF": ("image/png", "png", "PNG"),
}
NAME_RE = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp)$")
MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


@dataclass(frozen=True)
class PreparedPhoto:
    data: bytes
    media_type: str
    extension: str
    width: int
    height: int
    alt: str


def check_alt(alt: Any) -> str:
    if not isinstance(alt, str) or not alt.strip():
        raise DomainError(
            "alt_required",
            "every photo needs a description (alt text) for people who cannot see it",
            400,
        )
    if len(alt.strip()) > MAX_ALT:
        raise DomainError(
            "too_long", f"alt text is at most {MAX_ALT} characters", 400, {"limit": MAX_ALT}
        )
    return alt.strip()


def prepare(data: bytes, alt: Any, *, max_bytes: int, alt_required: bool = True) -> PreparedPhoto:
    """Decode, check and re-encode a photo; DomainError when it is not a usable image.

    `alt_required=False` accepts a photo without alt text yet: a Mastodon app uploads first
    and describes after (exchange/media_attachments.py asks for it before posting)."""
    description = check_alt(alt) if alt_required or (isinstance(alt, str) and alt.strip()) else ""
    if len(data) > max_bytes:
        raise DomainError(
            "photo_too_large",
            f"a photo is at most {max_bytes // 1000} kB",
            413,
            {"kb": max_bytes // 1000},
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format or ""
                width, height = probe.size
                if kind not in FORMATS:
                    raise DomainError(
                        "unsupported_photo", "photos must be JPEG, PNG, WebP or GIF images", 400
                    )
                if width * height > MAX_PIXELS:
                    raise DomainError(
                        "photo_too_large",
                        f"a photo is at most {MAX_PIXELS // 1_000_000} megapixels",
                        413,
                    )
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
                return _encode(upright, kind, description)
    except DomainError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise DomainError(
            "not_an_image", "the file is not an image this site can read", 400
        ) from None


def _encode(image: Image.Image, kind: str, alt: str) -> PreparedPhoto:
    media_type, extension, encoder = FORMATS[kind]
    options: dict[str, Any] = {}
    if encoder == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        options = {"quality": 85, "optimize": True}
    elif encoder == "PNG":
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        options = {"optimize": True}
    else:
        options = {"quality": 85}
    icc = image.info.get("icc_profile")
    if icc:
        options["icc_profile"] = icc  # colours, not metadata about the photographer
    out = io.BytesIO()
    image.save(out, format=encoder, **options)  # no exif=, no pnginfo=: metadata stays behind
    return PreparedPhoto(out.getvalue(), media_type, extension, image.width, image.height, alt)


def _unavailable(exc: MediaStoreError) -> DomainError:
    """The member is told to try later; where the store is and what it said go to the log."""
    log.warning("the media store refused a photo: %s", exc)
    return DomainError(
        "media_unavailable", "photos cannot be stored right now, try again later", 503
    )


def store(photo: PreparedPhoto, media: MediaStore) -> str:
    """Store the photo under a random name (all or nothing) and return the name."""
    name = f"{secrets.token_hex(16)}.{photo.extension}"
    try:
        media.put(name, photo.data, photo.media_type)
    except MediaStoreError as exc:
        raise _unavailable(exc) from None
    return name


def remove(media: MediaStore, name: str) -> bool:
    """Delete a stored photo of ours; a name outside the pattern is never touched.

    Called after the change that dropped the photo, or while undoing a failed one: a store that
    does not answer then must not turn a done change into an error, so the failure is logged
    (the object stays behind, unreferenced) and False returned."""
    if not NAME_RE.match(name):
        return False
    try:
        media.delete(name)
    except MediaStoreError as exc:
        log.warning("photo %s left in the media store: %s", name, exc)
        return False
    return True


def media_type_of(name: str) -> str | None:
    """The media type a stored photo is served with, or None for a name that is not ours."""
    return MEDIA_TYPES[name.rsplit(".", 1)[1]] if NAME_RE.match(name) else None


def entry(name: str, photo: PreparedPhoto) -> dict[str, Any]:
    """What `Listing.photos` (and `Project.photos`) keep about one stored photo of ours."""
    return {
        "file": name,
        "mediaType": photo.media_type,
        "alt": photo.alt,
        "width": photo.width,
        "height": photo.height,
    }


def attach(
    photos: list[dict[str, Any]], new: list[dict[str, Any]], *, what: str = "listing"
) -> list[dict[str, Any]]:
    """The listing's (or project's: `what`) photo list with `new` appended; refuses a fifth."""
    if len(photos) + len(new) > MAX_PHOTOS:
        raise DomainError(
            "too_many_photos",
            f"a {what} has at most {MAX_PHOTOS} photos",
            409,
            {"limit": MAX_PHOTOS},
        )
    return [*photos, *new]
