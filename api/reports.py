"""Reports over JSON: members file them, moderators work the queue (act, forward, close).

`POST /reports` takes any member's token; `/admin/reports...` a moderator's or an admin's.
The same functions as the web pages and the CLI; the OpenAPI description is reports_spec.py.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import reports
from exchange.errors import Forbidden
from instance.city import city_of
from models import Member, Report, ReportState, Severity
from services import moderation
from services import reports as forwarding

from .admin_domains import body_of
from .auth import authenticated
from .errors import ApiError
from .params import cursor, field, page_limit


async def moderator(request: Request) -> Member:
    member = await authenticated(request)
    if not member.is_moderator:
        raise Forbidden("this needs a moderator's token")
    return member


def render_report(report: Report, reporter: str | None) -> dict[str, Any]:
    return {
        "id": report.public_id,
        "state": report.state.value,
        "account": report.account_uri,
        "objects": list(report.object_uris),
        "comment": report.comment,
        "reporter": reporter,
        "origin": report.origin,
        "forwarded": report.forwarded_uri,
        "actions": [{"action": a["action"], "detail": a.get("detail", ""), "by": a.get("by") or None, "at": a["at"]}
                    for a in report.actions],
        "created_at": report.created_at.isoformat(),
        "closed_at": report.closed_at.isoformat() if report.closed_at else None,
        "resolution": report.resolution or None,
    }


def _reporters(session: Session, found: list[Report]) -> dict[int, str]:
    ids = [r.reporter_id for r in found if r.reporter_id is not None]
    if not ids:
        return {}
    return dict(session.execute(select(Member.id, Member.username).where(Member.id.in_(ids))).all())


def _one(session: Session, public_id: str) -> dict[str, Any]:
    report = reports.get_report(session, public_id)
    return render_report(report, _reporters(session, [report]).get(report.reporter_id or 0))


async def file_report(request: Request) -> Response:
    caller = await authenticated(request)
    body = await body_of(request, {"target", "comment", "objects"})
    target = field(body, "target", str)
    comment = field(body, "comment", str)
    objects = field(body, "objects", list, required=False) or []
    if not all(isinstance(o, str) for o in objects):
        raise ApiError(400, "invalid_field", "objects must be a list of URLs")
    city = city_of(request)

    def write(session: Session) -> dict[str, Any]:
        report = moderation.file_report(session, city, caller, target, comment, objects)
        return render_report(report, caller.username)

    return JSONResponse(await city.db.write(write), status_code=201)


async def list_reports(request: Request) -> Response:
    await moderator(request)
    wanted = request.query_params.get("state", "open")
    if wanted not in ("open", "closed", "all"):
        raise ApiError(400, "invalid_parameter", "state must be open, closed or all")
    state = None if wanted == "all" else ReportState(wanted)
    limit, before = page_limit(request), cursor(request)

    def read(session: Session) -> tuple[list[dict[str, Any]], str | None]:
        found = reports.list_reports(session, state=state, limit=limit + 1, before=before)
        page = found[:limit]
        names = _reporters(session, page)
        return ([render_report(r, names.get(r.reporter_id or 0)) for r in page],
                str(page[-1].id) if len(found) > limit else None)

    items, next_cursor = await city_of(request).db.read(read)
    return JSONResponse({"reports": items, "next_cursor": next_cursor})


async def get_report(request: Request) -> Response:
    await moderator(request)
    public_id = request.path_params["id"]
    return JSONResponse(await city_of(request).db.read(lambda s: _one(s, public_id)))


async def act(request: Request) -> Response:
    caller = await moderator(request)
    body = await body_of(request, {"action", "reason", "severity"})
    action = field(body, "action", str)
    reason = field(body, "reason", str, required=False) or ""
    severity = field(body, "severity", str, required=False) or "suspend"
    if severity not in Severity.__members__:
        raise ApiError(400, "invalid_field", "severity must be suspend, silence or noop")
    city = city_of(request)
    public_id = request.path_params["id"]

    def write(session: Session) -> dict[str, Any]:
        moderation.act(session, city, reports.get_report(session, public_id), action, caller, reason=reason,
                       severity=Severity(severity))
        return _one(session, public_id)

    answer = await city.db.write(write)
    city.fediverse.policy.invalidate()
    return JSONResponse(answer)


async def forward(request: Request) -> Response:
    caller = await moderator(request)
    body = await body_of(request, {"note"})
    note = field(body, "note", str, required=False) or ""
    city = city_of(request)
    public_id = request.path_params["id"]

    def write(session: Session) -> dict[str, Any]:
        forwarding.forward(session, city, reports.get_report(session, public_id), caller, note)
        return _one(session, public_id)

    answer = await city.db.write(write)
    return JSONResponse(answer)


async def close(request: Request) -> Response:
    caller = await moderator(request)
    body = await body_of(request, {"resolution"})
    resolution = field(body, "resolution", str)
    city = city_of(request)
    public_id = request.path_params["id"]

    def write(session: Session) -> dict[str, Any]:
        reports.close(session, reports.get_report(session, public_id), caller, resolution)
        return _one(session, public_id)

    return JSONResponse(await city.db.write(write))


ROUTES = [
    Route("/reports", file_report, methods=["POST"]),
    Route("/admin/reports", list_reports, methods=["GET"]),
    Route("/admin/reports/{id}", get_report, methods=["GET"]),
    Route("/admin/reports/{id}/actions", act, methods=["POST"]),
    Route("/admin/reports/{id}/forward", forward, methods=["POST"]),
    Route("/admin/reports/{id}/close", close, methods=["POST"]),
]
