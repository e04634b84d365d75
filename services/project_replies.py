"""Replies to our projects, as other cities' residents send them and our moderators judge them.

- `receive`: a remote Note answering a project's Page (classified once, inbox/classify.py) is
  kept as a remote note, and the city market announces it to its followers, in the inbox
  row's transaction.
- `hide` / `show`: a moderator hides a reply from the project's page (logged), and the market
  undoes its Announce; showing it again announces it again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from exchange import project_replies, projects, remote_notes
from federation.inbound_note import InboundNote
from instance.city import City
from models import Member, Note, ProjectState, RemoteActor
from outbox import projects as wire


def receive(
    session: Session,
    city: City,
    author: RemoteActor,
    note: InboundNote,
    *,
    reject_media: bool,
) -> Note | None:
    """Keep the reply (once) and have the market announce it; None for a repeat, or for a
    reply to a project that is not published (a draft)."""
    project = projects.by_uri(session, note.in_reply_to or "")
    if project is None or project.state is ProjectState.draft:
        return None
    row = remote_notes.store(session, author, note, addressed_here=True, reject_media=reject_media)
    if row is None:
        return None
    session.flush()
    if row.visibility in project_replies.SHOWN:
        wire.announce_reply(session, city, project, row, session.merge(author))
    return row


def _moderate(
    session: Session, city: City, slug: str, note_id: int, by: Member | None, *, hidden: bool
) -> Note:
    project = projects.by_slug(session, slug)
    note = project_replies.hide(session, project, note_id, by, hidden=hidden)
    author = session.get(RemoteActor, note.remote_actor_id)
    assert author is not None
    if hidden:
        wire.withdraw_reply(session, city, project, note, author)
    else:
        wire.announce_reply(session, city, project, note, author)
    return note


def hide(session: Session, city: City, slug: str, note_id: int, by: Member | None) -> Note:
    return _moderate(session, city, slug, note_id, by, hidden=True)


def show(session: Session, city: City, slug: str, note_id: int, by: Member | None) -> Note:
    return _moderate(session, city, slug, note_id, by, hidden=False)


def render_reply(reply: project_replies.Reply) -> dict[str, Any]:
    note = reply.note
    return {
        "id": note.id,
        "uri": note.uri,
        "url": note.url or note.uri,
        "author": reply.author,
        "handle": reply.handle,
        "content": note.content,
        "published": note.published.isoformat(),
        "hidden": note.hidden_at is not None,
    }
