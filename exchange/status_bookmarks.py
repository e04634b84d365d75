"""A member's bookmarks (models/status_bookmark.py): kept, taken back and listed.

Private marks: nothing here federates, notifies or counts on the status. The caller names
the status already resolved (a reblog's original: `statuses.find_original`).
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import Member, StatusBookmark

from .statuses import Paging, Viewer, marks_page


def bookmark(session: Session, member: Member, status_id: int) -> None:
    """Bookmark once; again is a no-op (as on Mastodon)."""
    if is_bookmarked(session, member, status_id):
        return
    session.add(StatusBookmark(member_id=member.id, status_id=status_id))
    session.flush()


def unbookmark(session: Session, member: Member, status_id: int) -> bool:
    """Take the bookmark back; whether there was one."""
    gone = session.execute(
        delete(StatusBookmark).where(
            StatusBookmark.member_id == member.id, StatusBookmark.status_id == status_id
        )
    )
    return bool(gone.rowcount)  # type: ignore[attr-defined]


def is_bookmarked(session: Session, member: Member, status_id: int) -> bool:
    found = session.scalar(
        select(StatusBookmark.id).where(
            StatusBookmark.member_id == member.id, StatusBookmark.status_id == status_id
        )
    )
    return found is not None


def bookmarks(session: Session, viewer: Viewer, paging: Paging) -> list[tuple[int, int]]:
    """(bookmark id, status id) of the member's bookmarks, newest first, paged by the
    bookmark's id; statuses the member may no longer see are left out of the page."""
    assert viewer.member is not None
    return marks_page(
        session,
        viewer,
        paging,
        StatusBookmark.id,
        StatusBookmark.status_id,
        StatusBookmark.member_id == viewer.member.id,
    )
