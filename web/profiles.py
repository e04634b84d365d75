"""Public HTML pages of our actors and notes (what a browser gets at an ActivityPub id)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from exchange import profile_fields
from exchange.notes import visible_note
from instance.city import city_of
from instance.html import sanitize_html
from instance.i18n import gettext as _
from models import Member, MemberStatus, Note

from .about import about_context
from .pages import render


async def profile(request: Request) -> Response:
    city = city_of(request)
    username = request.path_params["username"].lower()

    def read(session: Session) -> tuple[Member | None, list[Note]]:
        member = session.scalar(select(Member).where(Member.username == username))
        if member is None or member.status is not MemberStatus.active:
            return None, []
        notes = session.scalars(
            select(Note)
            .where(
                Note.member_id == member.id, Note.deleted_at.is_(None), Note.visibility == "public"
            )
            .order_by(Note.id.desc())
            .limit(20)
        )
        return member, list(notes)

    member, notes = await city.db.read(read)
    if member is None:
        raise HTTPException(404, _("No such member."))
    return await render(
        request,
        "profile.html",
        profile=member,
        notes=notes,
        actor_id=city.urls.member(username),
        summary=sanitize_html(member.summary),
        fields=profile_fields.as_html(member.fields or []),
    )


async def note_page(request: Request) -> Response:
    city = city_of(request)
    uri = city.urls.note(request.path_params["public_id"])
    shown = await city.db.read(lambda s: visible_note(s, uri))
    if shown is None:
        raise HTTPException(404, _("No such note."))
    if shown.note.deleted_at is not None:
        raise HTTPException(410, _("This note was deleted."))
    return await render(request, "note.html", note=shown.note, author=shown.author)


async def about(request: Request) -> Response:
    return await render(request, "about.html", **await about_context(request))
