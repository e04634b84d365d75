"""Replies to our projects: Notes of other cities' residents answering a project's Page.

A reply is kept as a remote note (exchange/remote_notes.py) whose `inReplyTo` is the project;
the project's page and API list the replies that are public or unlisted, not deleted by their
author and not hidden by our moderators. Hiding is a moderator's decision, logged in the
moderation log; the city market then withdraws its Announce of the reply
(services/project_replies.py). Nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Member, Note, Project, RemoteActor, utcnow

from . import moderation_log
from .errors import DomainError, Forbidden, NotFound

#: at most this many replies on a project's page (oldest first)
LIMIT = 200
SHOWN = ("public", "unlisted")


@dataclass(frozen=True)
class Reply:
    note: Note
    #: the author's actor id and handle (`@name@domain`)
    author: str
    handle: str


def replies(session: Session, project: Project, *, hidden: bool = False) -> list[Reply]:
    """The project's replies, oldest first; with `hidden`, the hidden ones too (moderators)."""
    query = (
        select(Note, RemoteActor)
        .join(RemoteActor, RemoteActor.id == Note.remote_actor_id)
        .where(
            Note.in_reply_to == project.uri,
            Note.deleted_at.is_(None),
            Note.visibility.in_(SHOWN),
        )
        .order_by(Note.published, Note.id)
        .limit(LIMIT)
    )
    if not hidden:
        query = query.where(Note.hidden_at.is_(None))
    return [Reply(note, actor.uri, actor.handle) for note, actor in session.execute(query)]


def reply_of(session: Session, project: Project, note_id: int) -> Note:
    note = session.get(Note, note_id)
    if (
        note is None
        or note.in_reply_to != project.uri
        or note.remote_actor_id is None
        or note.deleted_at is not None
    ):
        raise NotFound(f"reply {note_id}")
    return note


def hide(
    session: Session,
    project: Project,
    note_id: int,
    by: Member | None,
    *,
    hidden: bool = True,
    now: datetime | None = None,
) -> Note:
    """A moderator hides a reply from the project's page (or shows it again); logged."""
    if by is not None and not (by.is_moderator and by.is_active):
        raise Forbidden("only moderators and admins hide replies")
    note = reply_of(session, project, note_id)
    if (note.hidden_at is not None) == hidden:
        raise DomainError(
            "already_hidden" if hidden else "not_hidden",
            "this reply is already hidden" if hidden else "this reply is not hidden",
            409,
        )
    note.hidden_at = (now or utcnow()) if hidden else None
    moderation_log.record(
        session, by, "hide" if hidden else "unhide", "project_reply", note.uri, project.uri
    )
    session.flush()
    return note
