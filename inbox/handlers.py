"""Which handler processes which activity type."""

from __future__ import annotations

from .follows import on_accept, on_follow, on_reject
from .interactions import on_announce, on_like, on_undo
from .notes import on_create, on_delete, on_update
from .process import Handler

HANDLERS: dict[str, Handler] = {
    "Follow": on_follow,
    "Accept": on_accept,
    "Reject": on_reject,
    "Undo": on_undo,
    "Create": on_create,
    "Update": on_update,
    "Delete": on_delete,
    "Like": on_like,
    "Announce": on_announce,
}
