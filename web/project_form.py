"""The form to propose a project (/projects/new): what a member or an organisation fills in on
a phone, with up to four photos, each described; the project then waits for staff approval,
as one proposed through the API does (services/projects.propose).

The photos travel as the listing form's do (web/listing_form.py: each one that decodes is
stored at once as a pending upload of the session, so a refused form keeps it), and each
refusal is shown beside its field in the member's language (web/messages.py). A resident is
not asked for a slug: it is made from the title (exchange.projects.slug_for). The deadline is
a day (pledges close at its end) or a day and time (`datetime-local`), read in the member's
time zone, else the city's. A second submission of one drawing of the form (its `form_id`)
goes to the project the first one made.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from urllib.parse import quote_plus

from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from exchange import form_submissions, photos, projects
from exchange.amounts import parse_amount
from exchange.errors import DomainError
from exchange.projects import Proposal
from instance import i18n
from instance.city import City, city_of
from instance.media_store import in_thread
from models import Member
from services import projects as cases

from . import form_fields, listing_form
from .csrf import checked_form
from .labels import N_
from .market import signed_in
from .pages import render
from .refusal import AMOUNT_CODES, NONE, NOT_KEPT, Refusal, refusal

FORM = "project"
ACTION = "/projects/new"
WAITING = N_("Thank you: your project waits for the staff's approval.")

#: error codes and the field of the form they are about
FIELDS: Mapping[str, str] = {
    "invalid_title": "title",
    "invalid_description": "description",
    "invalid_place": "place",
    "invalid_goal": "goal",
    **dict.fromkeys(AMOUNT_CODES, "goal"),
    "invalid_deadline": "deadline",
    "invalid_starts_on": "starts_on",
    "invalid_ends_on": "ends_on",
    "invalid_dates": "ends_on",
}


def _day(form: FormData, name: str) -> date | None:
    text = str(form.get(name, "")).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError(
            f"invalid_{name}", f"{name} is a date like 2026-12-24", 400, {"name": name}
        ) from None


def _deadline(form: FormData, zone: str | None) -> datetime:
    """The moment pledges close: a day's end, or the day and time typed, in `zone`."""
    text = str(form.get("deadline", "")).strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise DomainError(
            "invalid_deadline", "the deadline must be a date like 2026-12-24", 400
        ) from None
    if len(text) == 10:  # a day: pledges close at its end
        moment = datetime.combine(moment.date(), time(0)) + timedelta(days=1)
    return moment.replace(tzinfo=i18n.zone_of(zone)) if moment.tzinfo is None else moment


def proposal(session: Session, city: City, form: FormData, zone: str | None) -> Proposal:
    """The form as a proposal, read in the page's language (a goal of '25,50' in French)."""
    title = str(form.get("title", ""))
    return Proposal(
        slug=projects.slug_for(session, title),
        title=title,
        goal=parse_amount(
            form_fields.decimal(form.get("goal")), city.settings.currency.scale, allow_zero=True
        ),
        deadline=_deadline(form, zone),
        description=str(form.get("description", "")).replace("\r\n", "\n"),
        place=str(form.get("place", "")),
        starts_on=_day(form, "starts_on"),
        ends_on=_day(form, "ends_on"),
    )


def _typed(form: FormData) -> dict[str, str]:
    return {k: v for k, v in form.multi_items() if isinstance(v, str) and k not in NOT_KEPT}


async def form_page(
    request: Request,
    *,
    refused: Refusal = NONE,
    slots: list[listing_form.Slot] | None = None,
) -> Response:
    """The form: `refused` says what was wrong and where (with what was typed), `slots` the
    photos already sent (pending uploads, shown and carried in hidden fields)."""
    city = city_of(request)
    kept = {slot.number: slot.entry for slot in slots or [] if slot.entry is not None}
    return await render(
        request,
        "projects/form.html",
        refused.status,
        refused=refused,
        form_id=refused.value(FORM, "form_id") or form_submissions.new_token(),
        kept={n: {**entry, "url": city.urls.media(entry["file"])} for n, entry in kept.items()},
        max_photos=photos.MAX_PHOTOS,
    )


async def new_project_page(request: Request) -> Response:
    await signed_in(request)
    return await form_page(request)


async def _forget(city: City, names: list[str]) -> None:
    for name in names:
        await in_thread(photos.remove, city.media, name)


async def create_project(request: Request) -> Response:
    who = await signed_in(request)
    form = await checked_form(request)
    city = city_of(request)
    token = form_submissions.usable(form.get("form_id"))
    pending = listing_form.PendingPhotos(request)
    scale = city.settings.currency.scale
    zone = who.time_zone or city.settings.time_zone
    waiting = quote_plus(i18n.gettext(WAITING))

    def create_once(session: Session) -> tuple[str, bool]:
        if token is not None and (earlier := form_submissions.earlier(session, who, token)):
            return earlier, False
        owner = session.get(Member, who.id)
        assert owner is not None
        made = cases.propose(
            session, city, owner, proposal(session, city, form, zone), photos=sent.entries()
        )
        path = f"/projects/{made.slug}?message={waiting}"
        if token is not None:
            form_submissions.remember(session, who, token, path)
        return path, True

    sent = listing_form.SentPhotos(slots=[], fresh=[])
    try:
        sent = await listing_form.read_photos(city, form, pending)
        await _forget(city, sent.unused)
        if sent.problem is not None:
            exc, field = sent.problem
            shown = refusal(FORM, _typed(form), exc, scale=scale)
            return await form_page(
                request,
                refused=Refusal(shown.form, shown.values, shown.message, shown.status, field),
                slots=sent.slots,
            )
        path, made = await city.db.write(create_once)
    except DomainError as exc:
        shown = refusal(FORM, _typed(form), exc, FIELDS, scale=scale)
        return await form_page(request, refused=shown, slots=sent.slots)
    except BaseException:
        await _forget(city, sent.fresh)
        raise
    if made:
        pending.forget([entry["file"] for entry in sent.entries()])
    else:
        pending.forget(sent.fresh)
        await _forget(city, sent.fresh)
    return RedirectResponse(path, 303)
