"""The projects' pages: the list, a project with its progress and the pledge form, and the
staff's approve and cancel buttons.

Forms post back with this session's CSRF token (web/csrf.py); a refused pledge shows the page
again with the refusal beside the form and nothing written (the use case's transaction rolls
back). The form to propose one is web/project_form.py (/projects/new); pledging to another
city's project, web/partner_projects.py.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from exchange import project_payouts, project_replies, projects
from exchange.amounts import parse_amount
from exchange.errors import DomainError
from instance import i18n
from instance.city import city_of
from instance.content_negotiation import negotiated
from models import Member, Project, ProjectState
from outbox import documents
from outbox.project_documents import project_document
from services import project_replies as replies
from services import projects as cases

from . import partner_projects, project_form, project_photos
from .csrf import checked_form
from .labels import N_
from .market import signed_in
from .pages import render
from .refusal import AMOUNT_CODES, NONE, Refusal, refusal
from .session import current_member

PROGRESS = N_("Goal: %(goal)s %(currency)s, pledged: %(pledged)s %(currency)s (%(percent)s%%)")


def payout_view(session: Session, project: Project, who: Member | None) -> dict[str, Any]:
    """What the payout section of the page shows: to the organiser and staff of a funded
    project, the payouts made and what is left to pay out."""
    if who is None or project.state is not ProjectState.funded:
        return {"may_pay_out": False, "payouts": [], "payable": 0}
    if not project_payouts.may_pay_out(who, project):
        return {"may_pay_out": False, "payouts": [], "payable": 0}
    return {
        "may_pay_out": True,
        "payouts": project_payouts.payouts_of(session, project),
        "payable": project_payouts.available(session, project),
    }


def progress_text(project: Project, pledged: int, scale: int) -> str:
    """The progress line in the page's language, amounts as its locale writes them."""
    return i18n.gettext(PROGRESS) % {
        "goal": i18n.format_amount(project.goal, scale),
        "pledged": i18n.format_amount(pledged, scale),
        "currency": project.currency,
        "percent": pledged * 100 // project.goal,
    }


async def list_page(request: Request) -> Response:
    city = city_of(request)
    who = await current_member(request)
    scale = city.settings.currency.scale

    def read(session: Session) -> dict[str, Any]:
        return {
            "items": [
                {
                    "project": p,
                    "progress": progress_text(p, projects.pledged_total(session, p), scale),
                }
                for p in projects.listing(session)
            ],
            # the member's pledges to partner cities' projects (web/partner_projects.py)
            "elsewhere": partner_projects.pledges_of(session, who) if who else [],
        }

    return await render(request, "projects/list.html", member=who, **await city.db.read(read))


async def project_page(request: Request, refused: Refusal = NONE) -> Response:
    city = city_of(request)
    who = await current_member(request)
    slug = request.path_params["slug"]
    scale = city.settings.currency.scale

    def read(session: Session) -> dict[str, Any]:
        project = projects.by_slug(session, slug)
        pledged = projects.pledged_total(session, project)
        owner = session.get(Member, project.owner_id)
        return {
            "project": project,
            "owner": owner.username if owner else "",
            "owner_organisation": owner is not None and owner.is_organisation,
            "progress": progress_text(project, pledged, scale),
            "photos": [{**p, "url": city.urls.media(p["file"])} for p in project.photos],
            # the owner and staff add and remove photos (web/project_photos.py)
            "may_edit_photos": projects.may_edit(project, who),
            "percent": min(100, pledged * 100 // project.goal),
            "mine": projects.pledges_of(session, project, who) if who else [],
            # other cities' residents' replies; moderators also see the hidden ones
            "replies": project_replies.replies(
                session, project, hidden=who is not None and who.is_moderator
            ),
            # the organiser and staff see what the project's account holds
            "funds": projects.funds(session, project)
            if who is not None and (who.is_moderator or who.id == project.owner_id)
            else None,
            # and, once it is funded, pay it out (web/project_payouts.py)
            **payout_view(session, project, who),
        }

    try:
        shown = await city.db.read(read)
    except DomainError:
        raise HTTPException(404, "No such project.") from None
    project: Project = shown["project"]
    if project.state is ProjectState.draft and not (
        who is not None and (who.is_moderator or who.id == project.owner_id)
    ):
        raise HTTPException(404, "No such project.")
    return await render(
        request,
        "projects/show.html",
        refused.status,
        refused=refused,
        fmt=lambda minor: i18n.format_amount(minor, scale),
        **shown,
    )


async def pledge(request: Request) -> Response:
    city = city_of(request)
    member = await signed_in(request)
    form = await checked_form(request)
    slug = request.path_params["slug"]
    try:
        amount = parse_amount(
            str(form.get("amount", "")), city.settings.currency.scale, allow_zero=True
        )
        await city.db.write(lambda s: cases.pledge(s, city, slug, _fresh(s, member), amount))
    except DomainError as exc:
        fields = dict.fromkeys((*AMOUNT_CODES, "credit_limit_exceeded"), "amount")
        return await project_page(request, refusal("pledge", dict(form), exc, fields))
    return RedirectResponse(f"/projects/{slug}?message=Thank+you:+pledged", status_code=303)


async def withdraw(request: Request) -> Response:
    city = city_of(request)
    member = await signed_in(request)
    await checked_form(request)
    slug = request.path_params["slug"]
    try:
        await city.db.write(
            lambda s: cases.withdraw(s, city, request.path_params["pledge"], _fresh(s, member))
        )
    except DomainError as exc:
        return await project_page(request, refusal("pledge", {}, exc))
    return RedirectResponse(f"/projects/{slug}?message=Pledge+withdrawn", status_code=303)


async def add_photo(request: Request) -> Response:
    return await project_photos.add(request, project_page)


async def remove_photo(request: Request) -> Response:
    return await project_photos.remove(request, project_page)


def _staff(action: Any) -> Any:
    async def run(request: Request) -> Response:
        city = city_of(request)
        member = await signed_in(request)
        await checked_form(request)
        slug = request.path_params["slug"]
        try:
            await city.db.write(lambda s: action(s, city, slug, _fresh(s, member)))
        except DomainError as exc:
            return await project_page(request, refusal("staff", {}, exc))
        return RedirectResponse(f"/projects/{slug}", status_code=303)

    return run


def _moderate_reply(action: Any) -> Any:
    async def run(request: Request) -> Response:
        city = city_of(request)
        member = await signed_in(request)
        await checked_form(request)
        slug = request.path_params["slug"]
        try:
            note_id = int(request.path_params["reply"])
        except ValueError:
            raise HTTPException(404, "No such reply.") from None
        try:
            await city.db.write(lambda s: action(s, city, slug, note_id, _fresh(s, member)))
        except DomainError as exc:
            return await project_page(request, refusal("reply", {}, exc))
        return RedirectResponse(f"/projects/{slug}", status_code=303)

    return run


def _fresh(session: Session, member: Member) -> Member:
    row = session.get(Member, member.id)
    assert row is not None
    return row


POST = ["POST"]


def routes() -> list[BaseRoute]:
    return [
        Route("/projects", list_page),
        # before /projects/{slug}: "new" is a reserved slug (exchange.projects.RESERVED)
        Route("/projects/new", project_form.new_project_page),
        Route("/projects/new", project_form.create_project, methods=POST),
        Route("/projects/{slug}", negotiated(project_document, project_page)),
        Route("/projects/{slug}/pledge", pledge, methods=POST),
        Route("/projects/{slug}/pledges/{pledge}/withdraw", withdraw, methods=POST),
        Route("/projects/{slug}/photos", add_photo, methods=POST),
        Route("/projects/{slug}/photos/{n:int}/remove", remove_photo, methods=POST),
        Route("/projects/{slug}/approve", _staff(cases.approve), methods=POST),
        Route("/projects/{slug}/cancel", _staff(cases.cancel), methods=POST),
        Route("/projects/{slug}/activities/announce", documents.activity_document),
        Route("/projects/{slug}/updates/{update_id}", documents.activity_document),
        Route("/projects/{slug}/replies/{reply}/hide", _moderate_reply(replies.hide), methods=POST),
        Route("/projects/{slug}/replies/{reply}/show", _moderate_reply(replies.show), methods=POST),
        Route("/projects/{slug}/replies/{reply}/announce", documents.activity_document),
        Route("/projects/{slug}/replies/{reply}/announce/{again}", documents.activity_document),
    ]
