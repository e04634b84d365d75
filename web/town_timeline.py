"""The town timeline: the public notes this city sees, threaded, with a form to post and one
to reply under each note (no JavaScript: a <details> opens the reply form).

The notes are the same as before (exchange.timeline.public_notes: silenced and blocked
domains kept out); a page of them is arranged into threads here: a note whose parent is on
the page goes under it, oldest reply first; the others start threads, newest first. Posting
is services.social.post_note, public; a reply to another server's note mentions its author,
so that it reaches them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote_plus

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from exchange import group_threads, timeline
from exchange.errors import DomainError
from instance.city import city_of
from instance.i18n import gettext as _
from models import GroupThread, Note, RemoteActor
from services import social

from .csrf import checked_form
from .market import signed_in
from .pages import render
from .refusal import NONE, Refusal, refusal
from .session import current_member

#: which field each refusal is about
FIELDS = {"empty_note": "text", "note_too_long": "text"}


@dataclass
class Entry:
    """A note of the page with its author's name and the replies under it."""

    note: Note
    author: str
    replies: list[Entry] = field(default_factory=list)
    #: another city's discussion thread this note is (or replies in): its Group and flags
    thread: GroupThread | None = None


def threaded(
    notes: list[tuple[Note, str]], threads: dict[str, GroupThread] | None = None
) -> list[Entry]:
    """The page's notes as threads: roots newest first, replies oldest first under their
    parent when it is on the page."""
    threads = threads or {}
    entries = {
        note.uri: Entry(note, author, thread=threads.get(note.uri)) for note, author in notes
    }
    roots: list[Entry] = []
    for note, _author in notes:  # newest first
        entry = entries[note.uri]
        parent = entries.get(note.in_reply_to or "")
        if parent is not None and parent is not entry:
            parent.replies.insert(0, entry)
        else:
            roots.append(entry)
    return roots


async def timeline_page(request: Request, refused: Refusal = NONE) -> Response:
    member = await current_member(request)
    city = city_of(request)
    policy = await city.fediverse.policy.current()
    viewer = city.urls.member(member.username) if member is not None else None
    before = request.query_params.get("before", "")

    def read(session: Session) -> tuple[list[tuple[Note, str]], dict[str, GroupThread]]:
        notes = timeline.public_notes(
            session,
            silenced=lambda d: policy.verdict(d).silenced,
            refused=lambda d: not policy.allows(d),
            viewer_uri=viewer,
            before=int(before) if before.isdigit() else None,
        )
        return notes, group_threads.of_timeline(session, [note for note, _ in notes])

    notes, threads = await city.db.read(read)
    return await render(
        request,
        "timeline.html",
        refused.status,
        member=member,
        threads=threaded(notes, threads),
        oldest=notes[-1][0].id if len(notes) == 40 else None,
        refused=refused,
    )


async def post(request: Request) -> Response:
    """A new note, or a reply to one (`in_reply_to`), public."""
    who = await signed_in(request)
    form = await checked_form(request)
    city = city_of(request)
    text, parent_uri = str(form.get("text", "")), str(form.get("in_reply_to", ""))

    def write(session: Session) -> None:
        mentions: list[RemoteActor] = []
        context = None
        if parent_uri:
            parent = session.scalar(
                select(Note).where(Note.uri == parent_uri, Note.deleted_at.is_(None))
            )
            if parent is None:
                raise DomainError("not_found", "this note is gone", 404)
            context = parent.context
            if parent.remote_actor_id is not None:
                author = session.get(RemoteActor, parent.remote_actor_id)
                mentions = [author] if author is not None else []
        social.post_note(
            session,
            city,
            who,
            text,
            mentions=mentions,
            in_reply_to=parent_uri or None,
            context=context,
        )

    try:
        await city.db.write(write)
    except DomainError as exc:
        name = f"reply:{parent_uri}" if parent_uri else "post"
        return await timeline_page(request, refusal(name, form, exc, FIELDS))
    return RedirectResponse(f"/timeline?message={quote_plus(_('Posted.'))}", 303)


def routes() -> list[BaseRoute]:
    return [
        Route("/timeline", timeline_page, methods=["GET"]),
        Route("/timeline", post, methods=["POST"]),
    ]
