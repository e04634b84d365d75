"""Other cities' discussion threads as this city keeps them: the Group each is in, and the pin
and lock its moderators decided (models/group_thread.py).

A followed Group announces its threads (inbox/group_announces.py); the thread is kept as a
remote note, and this row says which Group it belongs to and what that Group's moderators
decided about it. The Group is the authority on its threads: its flags are applied only to a
thread kept as its own, and a thread moves only between two Groups of one server (the server
the thread lives on). Our members' replies to a locked thread, or to any reply in it, are
refused here before anything is written or sent: the Group would drop them anyway.
Functions over a session; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange.errors import DomainError
from federation.authorship import same_origin
from models import GroupThread, Note


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def keep(session: Session, note: Note, group: str, page: dict[str, Any]) -> GroupThread:
    """A thread the Group announced was kept as `note`: record its Group and the flags the
    Page carries (`stickied`, `commentsEnabled`, as Lemmy renders them)."""
    enabled = _flag(page.get("commentsEnabled"))
    row = GroupThread(
        note_id=note.id,
        group_uri=group,
        pinned=_flag(page.get("stickied")) is True,
        locked=enabled is False,
    )
    session.add(row)
    return row


def of_note(session: Session, uri: str) -> tuple[GroupThread, Note] | None:
    found = session.execute(
        select(GroupThread, Note).join(Note, Note.id == GroupThread.note_id).where(Note.uri == uri)
    ).first()
    return None if found is None else (found[0], found[1])


def flag(
    session: Session,
    group: str,
    uri: str | None,
    *,
    pinned: bool | None = None,
    locked: bool | None = None,
) -> bool:
    """The Group's moderators pinned, unpinned, locked or unlocked one of its threads; a flag
    left None is unchanged. A Group changes only its own threads: False otherwise."""
    found = of_note(session, uri) if uri else None
    if found is None or found[0].group_uri != group:
        return False
    row = found[0]
    if pinned is not None:
        row.pinned = pinned
    if locked is not None:
        row.locked = locked
    return True


def flag_from_page(session: Session, group: str, page: dict[str, Any]) -> bool:
    """The Group's `Update` of a thread's Page: its `stickied` and `commentsEnabled`."""
    enabled = _flag(page.get("commentsEnabled"))
    return flag(
        session,
        group,
        page.get("id") if isinstance(page.get("id"), str) else None,
        pinned=_flag(page.get("stickied")),
        locked=None if enabled is None else not enabled,
    )


def _readdressed(addresses: Iterable[str], old: str, new: str) -> list[str]:
    return [new if address == old else address for address in addresses]


def move_in(
    session: Session, group: str, note: Note, page: dict[str, Any], to: list[str], cc: list[str]
) -> bool:
    """A Group announced a thread we keep as another Group's: a moderator moved it there. The
    two Groups must be on one server, the thread's own (only that server decides where its
    threads are). The thread takes the Page's new addressing and flags and comes back to the
    timelines (the old Group's removal hid it, if it came first); its replies we keep are
    readdressed to the new Group, so its later decisions apply to them. Returns whether it
    moved."""
    found = of_note(session, note.uri)
    if found is None:
        return False
    row = found[0]
    old = row.group_uri
    if old == group or not same_origin(old, group) or not same_origin(note.uri, group):
        return False
    row.group_uri = group
    enabled = _flag(page.get("commentsEnabled"))
    row.pinned = _flag(page.get("stickied")) is True
    row.locked = enabled is False
    note.to, note.cc = to, cc
    note.hidden_at = None
    replies = select(Note).where(Note.context == note.uri, Note.id != note.id)
    for reply in session.scalars(replies):
        if old in [*(reply.to or []), *(reply.cc or [])]:
            reply.to = _readdressed(reply.to or [], old, group)
            reply.cc = _readdressed(reply.cc or [], old, group)
    return True


def thread_of_reply(session: Session, in_reply_to: str) -> GroupThread | None:
    """The kept remote thread a reply to `in_reply_to` would join: the thread itself, or the
    thread (`context`) of the reply it answers."""
    direct = of_note(session, in_reply_to)
    if direct is not None:
        return direct[0]
    context = session.scalar(select(Note.context).where(Note.uri == in_reply_to))
    found = of_note(session, context) if context else None
    return None if found is None else found[0]


def check_replies_open(session: Session, in_reply_to: str | None) -> None:
    """Refuse a reply to another city's locked thread (or to a reply in it) before it is
    written: its Group would refuse it."""
    if not in_reply_to:
        return
    thread = thread_of_reply(session, in_reply_to)
    if thread is not None and thread.locked:
        raise DomainError("thread_locked", "This thread is locked: it takes no new replies.", 409)


def of_timeline(session: Session, notes: Iterable[Note]) -> dict[str, GroupThread]:
    """The kept thread each of these notes belongs to (itself, or its `context`), by note
    uri: the timeline shows a thread's Group and flags, and no reply form under a locked one."""
    notes = list(notes)
    uris = {note.uri for note in notes} | {note.context for note in notes if note.context}
    if not uris:
        return {}
    rows = session.execute(
        select(Note.uri, GroupThread)
        .join(GroupThread, GroupThread.note_id == Note.id)
        .where(Note.uri.in_(uris))
    )
    threads = {uri: row for uri, row in rows}
    found: dict[str, GroupThread] = {}
    for note in notes:
        thread = threads.get(note.uri) or threads.get(note.context or "")
        if thread is not None:
            found[note.uri] = thread
    return found
