"""Photos uploaded from Mastodon apps (models/media_attachment.py): kept, described,
attached to the member's next status.

The file is prepared and stored by exchange/photos.py before the transaction that records
it (the caller removes it if that transaction fails). A status takes at most four of the
member's own uploads not attached yet, each with alt text: the city asks a description of
every photo, so a photo still without one is refused when posted (422), not when uploaded,
since apps describe after uploading.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import MediaAttachment, Member, Note

from .errors import DomainError, NotFound
from .photos import MAX_PHOTOS, PreparedPhoto, check_alt


def record(session: Session, member: Member, name: str, photo: PreparedPhoto) -> MediaAttachment:
    row = MediaAttachment(
        member_id=member.id,
        file=name,
        media_type=photo.media_type,
        width=photo.width,
        height=photo.height,
        description=photo.alt,
    )
    session.add(row)
    session.flush()
    return row


def own(session: Session, member: Member, media_id: int) -> MediaAttachment:
    """One of the member's uploads; anyone else's is unknown (404)."""
    row = session.get(MediaAttachment, media_id)
    if row is None or row.member_id != member.id:
        raise NotFound("media")
    return row


def describe(row: MediaAttachment, description: str) -> None:
    """Change the alt text, until the photo is posted (as Mastodon)."""
    if row.note_id is not None:
        raise DomainError("media_attached", "this photo is already posted", 422)
    row.description = check_alt(description)


def for_status(session: Session, member: Member, media_ids: list[int]) -> list[MediaAttachment]:
    """The uploads a new status takes, in the order given; refused as a whole when one is not
    the member's, already posted, or without alt text, or when there are too many."""
    if len(media_ids) > MAX_PHOTOS:
        raise DomainError(
            "too_many_photos",
            f"a status has at most {MAX_PHOTOS} photos",
            422,
            {"limit": MAX_PHOTOS},
        )
    rows = [own(session, member, i) for i in dict.fromkeys(media_ids)]
    for row in rows:
        if row.note_id is not None:
            raise DomainError("media_attached", "a photo is already posted", 422)
        if not row.description.strip():
            raise DomainError(
                "alt_required",
                "every photo needs a description (alt text) for people who cannot see it",
                422,
            )
    return rows


def attach(session: Session, rows: list[MediaAttachment], note: Note) -> None:
    for row in rows:
        row.note_id = note.id
    session.flush()


def note_entry(row: MediaAttachment, url: str) -> dict[str, Any]:
    """The attachment a note carries (AS2 Image, as the note's document federates it)."""
    return {
        "type": "Image",
        "mediaType": row.media_type,
        "url": url,
        "name": row.description,
        "width": row.width,
        "height": row.height,
    }


def of_note(session: Session, note_id: int) -> list[MediaAttachment]:
    return list(
        session.scalars(
            select(MediaAttachment)
            .where(MediaAttachment.note_id == note_id)
            .order_by(MediaAttachment.id)
        )
    )
