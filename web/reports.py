"""Report pages: members report what is wrong; moderators work the queue and close reports.

The same functions as the API and the CLI (exchange.reports, services.moderation,
services.reports). The public timeline is web/town_timeline.py.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from exchange import reports
from exchange.errors import DomainError
from instance.city import city_of
from instance.i18n import gettext as _
from models import Member, ReportState, Severity
from services import moderation
from services import reports as forwarding

from .admin_domains import staff
from .csrf import checked_form
from .labels import N_
from .messages import describe
from .pages import render
from .refusal import NONE, Refusal, refusal
from .session import current_member

#: which field of the report form each refusal is about
REPORT_FIELDS = {
    "target_required": "target",
    "not_found": "target",
    "self_report": "target",
    "reason_required": "comment",
    "comment_too_long": "comment",
    "invalid_category": "category",
}

#: the reason categories as the form names them (exchange.reports.CATEGORIES)
CATEGORY_LABELS = {
    "spam": N_("Spam or advertising"),
    "fraud": N_("A scam or fraud"),
    "abuse": N_("Harassment, hate or abuse"),
    "illegal": N_("Something illegal"),
    "other": N_("Something else"),
}


async def report_form(request: Request) -> Response:
    member = await current_member(request)
    if member is None:
        raise HTTPException(401, _("Log in to report something."))
    return await render(
        request,
        "report.html",
        member=member,
        target=request.query_params.get("target", ""),
        categories=_categories(),
    )


def _categories() -> list[tuple[str, str]]:
    return [(code, _(CATEGORY_LABELS[code])) for code in reports.CATEGORIES]


async def file_report(request: Request) -> Response:
    member = await current_member(request)
    if member is None:
        raise HTTPException(401, _("Log in to report something."))
    form = await checked_form(request)
    target, comment = str(form.get("target", "")), str(form.get("comment", ""))
    category = str(form.get("category", "")) or "other"  # a form without the choice
    city = city_of(request)
    try:
        await city.db.write(
            lambda s: moderation.file_report(s, city, member, target, comment, category=category)
        )
    except DomainError as exc:
        return await render(
            request,
            "report.html",
            exc.status,
            member=member,
            categories=_categories(),
            refused=refusal("report", form, exc, REPORT_FIELDS),
        )
    return RedirectResponse(
        "/?message=" + quote(_("Thank you: the moderators will look at your report.")), 303
    )


def _names(session: Session, ids: list[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return dict(
        session.execute(select(Member.id, Member.username).where(Member.id.in_(wanted))).all()
    )


async def queue_page(request: Request) -> Response:
    member = await staff(request, admin_only=False)
    state = None if request.query_params.get("state") == "all" else ReportState.open

    def read(session: Session) -> dict[str, Any]:
        found = reports.list_reports(session, state=state, limit=200)
        return {"reports": found, "names": _names(session, [r.reporter_id for r in found])}

    return await render(
        request,
        "admin/reports.html",
        member=member,
        **await city_of(request).db.read(read),
        showing_all=state is None,
    )


async def report_page(request: Request, refused: Refusal = NONE) -> Response:
    member = await staff(request, admin_only=False)
    public_id = request.path_params["id"]

    def read(session: Session) -> dict[str, Any]:
        report = reports.get_report(session, public_id)
        return {
            "report": report,
            "names": _names(session, [report.reporter_id, report.closed_by_id]),
        }

    try:
        context = await city_of(request).db.read(read)
    except DomainError as exc:
        raise HTTPException(exc.status, describe(exc)) from None
    return await render(
        request,
        "admin/report.html",
        refused.status,
        member=member,
        refused=refused,
        **context,
        actions=moderation.ACTIONS,
        severities=[s.value for s in Severity],
    )


async def report_action(request: Request) -> Response:
    member = await staff(request, admin_only=False)
    form = await checked_form(request)
    city = city_of(request)
    public_id, what = request.path_params["id"], request.path_params["action"]
    reason = str(form.get("reason", ""))

    def write(session: Session) -> str:
        report = reports.get_report(session, public_id)
        if what == "act":
            return moderation.act(
                session,
                city,
                report,
                str(form.get("action", "")),
                member,
                reason=reason,
                severity=Severity(str(form.get("severity") or "suspend")),
            )
        if what == "forward":
            sent = forwarding.forward(session, city, report, member, reason)
            return _("Forwarded as %(uri)s") % {"uri": sent}
        if what == "close":
            reports.close(session, report, member, reason)
            return _("Closed.")
        if what == "reopen":
            reports.reopen(session, report, member, reason)
            return _("Reopened.")
        raise HTTPException(404)

    try:
        message = await city.db.write(write)
    except (DomainError, ValueError) as exc:
        why = exc if isinstance(exc, DomainError) else DomainError("invalid_value", str(exc), 400)
        return await report_page(request, refusal(what, form, why))
    city.fediverse.policy.invalidate()
    return RedirectResponse(f"/admin/reports/{public_id}?message={quote(message)}", 303)


def routes() -> list[BaseRoute]:
    return [
        Route("/report", report_form, methods=["GET"]),
        Route("/report", file_report, methods=["POST"]),
        Route("/admin/reports", queue_page, methods=["GET"]),
        Route("/admin/reports/{id}", report_page, methods=["GET"]),
        Route("/admin/reports/{id}/{action}", report_action, methods=["POST"]),
    ]
