"""Local projects over JSON: browse, propose, pledge, withdraw, photos; staff approve and cancel.

Reading is public; proposing and pledging take a member's token, approving and cancelling a
moderator's or admin's (the owner may cancel too). Amounts are decimal strings in the city
currency. The same use cases as the web pages and the CLI (services/projects.py); the OpenAPI
description is projects_spec.py. Photos are sent one at a time as a listing's are
(api/photo_upload.py: same body, same refusals), by the owner or staff while the project is a
draft or open; the file is stored before the transaction and removed if it fails.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import photos, project_replies, projects
from exchange.amounts import parse_amount
from exchange.errors import DomainError
from exchange.projects import Proposal
from instance.city import City, city_of
from instance.media_store import in_thread
from models import Member, Pledge, Project
from services import project_replies as reply_cases
from services import projects as cases

from .auth import authenticated
from .errors import ApiError
from .params import field, json_body
from .photo_upload import read_photo


def render_project(session: Session, city: City, project: Project) -> dict[str, Any]:
    fmt = city.settings.currency.format
    owner = session.get(Member, project.owner_id)
    return {
        "slug": project.slug,
        "id": project.uri,
        "title": project.title,
        "description": project.description,
        "place": project.place,
        "starts_on": project.starts_on.isoformat() if project.starts_on else None,
        "ends_on": project.ends_on.isoformat() if project.ends_on else None,
        "goal": fmt(project.goal),
        "pledged": fmt(projects.pledged_total(session, project)),
        "pledgers": projects.pledgers(session, project),
        "currency": project.currency,
        "deadline": project.deadline.isoformat(),
        "owner": owner.username if owner else None,
        "state": project.state.value,
        "photos": [
            {"url": city.urls.media(p["file"]), "media_type": p["mediaType"], "alt": p["alt"]}
            for p in project.photos
        ],
    }


def render_pledge(city: City, pledge: Pledge, slug: str) -> dict[str, Any]:
    return {
        "id": pledge.public_id,
        "project": slug,
        "amount": city.settings.currency.format(pledge.amount),
        "state": pledge.state.value,
        "transfer": pledge.transfer_id,
        "created_at": pledge.created_at.isoformat(),
    }


def _date(body: dict[str, Any], name: str) -> date | None:
    raw = field(body, name, (str, type(None)), required=False)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise DomainError(f"invalid_{name}", f"{name} is a date, YYYY-MM-DD", 400) from None


def _moment(raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise DomainError("invalid_deadline", "deadline is an ISO 8601 date-time", 400) from None
    if moment.tzinfo is None:
        raise DomainError("invalid_deadline", "deadline needs a time zone offset", 400)
    return moment


async def list_projects(request: Request) -> Response:
    city = city_of(request)
    found = await city.db.read(lambda s: [render_project(s, city, p) for p in projects.listing(s)])
    return JSONResponse({"projects": found})


async def propose(request: Request) -> Response:
    caller = await authenticated(request)
    city = city_of(request)
    body = await json_body(
        request,
        {"slug", "title", "description", "place", "starts_on", "ends_on", "goal", "deadline"},
    )
    proposal = Proposal(
        slug=field(body, "slug", str),
        title=field(body, "title", str),
        goal=parse_amount(field(body, "goal", str), city.settings.currency.scale),
        deadline=_moment(field(body, "deadline", str)),
        description=field(body, "description", str, required=False) or "",
        place=field(body, "place", str, required=False) or "",
        starts_on=_date(body, "starts_on"),
        ends_on=_date(body, "ends_on"),
    )

    def write(session: Session) -> dict[str, Any]:
        member = session.get(Member, caller.id)
        assert member is not None
        return render_project(session, city, cases.propose(session, city, member, proposal))

    return JSONResponse(await city.db.write(write), status_code=201)


async def get_project(request: Request) -> Response:
    city = city_of(request)
    slug = request.path_params["slug"]

    def read(session: Session) -> dict[str, Any]:
        project = projects.by_slug(session, slug)
        if project.state.value == "draft":
            raise DomainError("not_found", f"project {slug!r} not found", 404)
        return render_project(session, city, project)

    return JSONResponse(await city.db.read(read))


def _staff(action: Any) -> Any:
    async def run(request: Request) -> Response:
        caller = await authenticated(request)
        city = city_of(request)
        slug = request.path_params["slug"]

        def write(session: Session) -> dict[str, Any]:
            member = session.get(Member, caller.id)
            return render_project(session, city, action(session, city, slug, member))

        return JSONResponse(await city.db.write(write))

    return run


async def pledge(request: Request) -> Response:
    caller = await authenticated(request)
    city = city_of(request)
    slug = request.path_params["slug"]
    body = await json_body(request, {"amount"})
    raw = field(body, "amount", str)
    try:
        amount = parse_amount(raw, city.settings.currency.scale, allow_zero=True)
    except DomainError as refusal:
        if raw.strip().startswith("-"):
            raise DomainError(
                "amount_not_positive", "a pledge must be more than zero", 400
            ) from None
        raise refusal

    def write(session: Session) -> dict[str, Any]:
        member = session.get(Member, caller.id)
        assert member is not None
        return render_pledge(city, cases.pledge(session, city, slug, member, amount), slug)

    return JSONResponse(await city.db.write(write), status_code=201)


async def withdraw(request: Request) -> Response:
    caller = await authenticated(request)
    city = city_of(request)
    slug, public_id = request.path_params["slug"], request.path_params["pledge"]

    def write(session: Session) -> dict[str, Any]:
        member = session.get(Member, caller.id)
        assert member is not None
        return render_pledge(city, cases.withdraw(session, city, public_id, member), slug)

    return JSONResponse(await city.db.write(write))


async def add_photo(request: Request) -> Response:
    caller = await authenticated(request)
    city = city_of(request)
    slug = request.path_params["slug"]
    prepared = await read_photo(request, city)
    name = await in_thread(photos.store, prepared, city.media)

    def write(session: Session) -> dict[str, Any]:
        member = session.get(Member, caller.id)
        assert member is not None
        entry = photos.entry(name, prepared)
        return render_project(session, city, cases.add_photos(session, city, slug, member, [entry]))

    try:
        answer = await city.db.write(write)
    except BaseException:
        await in_thread(photos.remove, city.media, name)
        raise
    return JSONResponse(answer, status_code=201)


async def remove_photo(request: Request) -> Response:
    caller = await authenticated(request)
    city = city_of(request)
    slug, index = request.path_params["slug"], request.path_params["n"]
    if not index.isdigit() or not 1 <= int(index) <= photos.MAX_PHOTOS:
        raise ApiError(404, "not_found", f"the project has no photo {index}")

    def write(session: Session) -> tuple[dict[str, Any], str]:
        member = session.get(Member, caller.id)
        assert member is not None
        name = cases.remove_photo(session, city, slug, member, int(index) - 1)
        return render_project(session, city, projects.by_slug(session, slug)), name

    answer, name = await city.db.write(write)
    await in_thread(photos.remove, city.media, name)
    return JSONResponse(answer)


async def list_replies(request: Request) -> Response:
    """Replies of other cities' residents to the project; moderators also see hidden ones."""
    city = city_of(request)
    slug = request.path_params["slug"]
    caller = await authenticated(request) if "authorization" in request.headers else None

    def read(session: Session) -> list[dict[str, Any]]:
        project = projects.by_slug(session, slug)
        if project.state.value == "draft":
            raise DomainError("not_found", f"project {slug!r} not found", 404)
        staff = caller is not None and caller.is_moderator
        return [
            reply_cases.render_reply(reply)
            for reply in project_replies.replies(session, project, hidden=staff)
        ]

    return JSONResponse({"replies": await city.db.read(read)})


def _moderate_reply(action: Any) -> Any:
    async def run(request: Request) -> Response:
        caller = await authenticated(request)
        city = city_of(request)
        slug = request.path_params["slug"]
        try:
            note_id = int(request.path_params["reply"])
        except ValueError:
            raise DomainError("not_found", "no such reply", 404) from None

        def write(session: Session) -> dict[str, Any]:
            member = session.get(Member, caller.id)
            note = action(session, city, slug, note_id, member)
            return {"id": note.id, "uri": note.uri, "hidden": note.hidden_at is not None}

        return JSONResponse(await city.db.write(write))

    return run


ROUTES = [
    Route("/projects", list_projects, methods=["GET"]),
    Route("/projects", propose, methods=["POST"]),
    Route("/projects/{slug}", get_project, methods=["GET"]),
    Route("/projects/{slug}/approve", _staff(cases.approve), methods=["POST"]),
    Route("/projects/{slug}/cancel", _staff(cases.cancel), methods=["POST"]),
    Route("/projects/{slug}/pledges", pledge, methods=["POST"]),
    Route("/projects/{slug}/pledges/{pledge}/withdraw", withdraw, methods=["POST"]),
    Route("/projects/{slug}/photos", add_photo, methods=["POST"]),
    Route("/projects/{slug}/photos/{n}", remove_photo, methods=["DELETE"]),
    Route("/projects/{slug}/replies", list_replies, methods=["GET"]),
    Route(
        "/projects/{slug}/replies/{reply}/hide", _moderate_reply(reply_cases.hide), methods=["POST"]
    ),
    Route(
        "/projects/{slug}/replies/{reply}/show", _moderate_reply(reply_cases.show), methods=["POST"]
    ),
]
