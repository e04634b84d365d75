"""The city's announcements for staff, at /admin/announcements: write one (a draft), publish
it, take it down, publish it again, remove it.

The same domain functions as `comptoir announcements` (exchange/announcements.py), each
logged in the moderation log. Moderators and admins both write them: telling residents that
the market is closed on Monday is looking after the city, as keeping its categories is.
Residents read them in their Mastodon apps (`/api/v1/announcements`). Dates are typed in
UTC, as the polls' closing times are. "Publish at" schedules the publication: a worker
publishes the draft then (services/announcement_jobs.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from exchange import announcements
from exchange.errors import DomainError
from instance.city import city_of
from instance.i18n import gettext as _
from models import Member

from .admin_domains import staff
from .csrf import checked_form
from .pages import render
from .refusal import NONE, Refusal, refusal

#: which field each refusal is about
FIELDS = {
    "missing_field": "text",
    "too_long": "text",
    "invalid_dates": "ends_at",
    "invalid_announcement_start": "starts_at",
    "invalid_announcement_end": "ends_at",
    "invalid_announcement_publication": "scheduled_at",
    "past_publication": "scheduled_at",
    "publication_twice": "scheduled_at",
}


async def announcements_page(request: Request, refused: Refusal = NONE) -> Response:
    who = await staff(request, admin_only=False)
    found = await city_of(request).db.read(announcements.listed)
    return await render(
        request,
        "admin/announcements.html",
        refused.status,
        member=who,
        announcements=found,
        refused=refused,
        max_text=announcements.MAX_TEXT,
    )


def _moment(value: object, which: str) -> datetime | None:
    """A `datetime-local` (or a day) typed in the form, in UTC; empty is none. `which` is
    `start`, `end` or `publication`: the refusal is shown beside its field."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise DomainError(
            f"invalid_announcement_{which}", "a date is written like 2026-12-24T18:00", 400
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


async def add(request: Request) -> Response:
    who = await staff(request, admin_only=False)
    form = await checked_form(request)

    def write(session: Session) -> None:
        by = session.get(Member, who.id)
        scheduled_at = _moment(form.get("scheduled_at"), "publication")
        if scheduled_at is not None and form.get("publish") == "on":
            raise DomainError(
                "publication_twice", "publish it now or at a time to come, not both", 400
            )
        row = announcements.add(
            session,
            str(form.get("text", "")),
            by,
            starts_at=_moment(form.get("starts_at"), "start"),
            ends_at=_moment(form.get("ends_at"), "end"),
            all_day=form.get("all_day") == "on",
            scheduled_at=scheduled_at,
        )
        if form.get("publish") == "on":
            announcements.publish(session, row, by)

    try:
        await city_of(request).db.write(write)
    except DomainError as exc:
        return await announcements_page(request, refusal("add", form, exc, FIELDS))
    if form.get("publish") == "on":
        done = _("Announcement published.")
    elif str(form.get("scheduled_at") or "").strip():
        done = _("Announcement scheduled.")
    else:
        done = _("Draft saved.")
    return RedirectResponse(f"/admin/announcements?message={quote_plus(done)}", 303)


#: each action on one announcement, and what the page says once it is done
ACTIONS: dict[str, Callable[[Session, Any, Member | None], None]] = {
    "publish": announcements.publish,
    "unpublish": announcements.unpublish,
    "remove": announcements.remove,
}


def _action(kind: str) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        who = await staff(request, admin_only=False)
        form = await checked_form(request)
        value = request.path_params["id"]
        if not value.isdigit() or len(value) > 9:
            raise HTTPException(404, _("Not found."))

        def write(session: Session) -> None:
            row = announcements.find(session, int(value))
            ACTIONS[kind](session, row, session.get(Member, who.id))

        try:
            await city_of(request).db.write(write)
        except DomainError as exc:
            if exc.status == 404:
                raise HTTPException(404, _("Not found.")) from None
            return await announcements_page(request, refusal(f"{kind}:{value}", form, exc))
        done = {
            "publish": _("Announcement published."),
            "unpublish": _("Announcement taken down."),
            "remove": _("Announcement removed."),
        }[kind]
        return RedirectResponse(f"/admin/announcements?message={quote_plus(done)}", 303)

    return endpoint


def routes() -> list[BaseRoute]:
    return [
        Route("/admin/announcements", announcements_page, methods=["GET"]),
        Route("/admin/announcements/add", add, methods=["POST"]),
        *(
            Route(f"/admin/announcements/{{id}}/{kind}", _action(kind), methods=["POST"])
            for kind in ACTIONS
        ),
    ]
