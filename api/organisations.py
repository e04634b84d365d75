"""Organisation requests over JSON: a member asks, reads and withdraws their request; staff
(moderators and admins) list the queue, approve, decline and revoke (issue 15).

The same use cases as the web pages and the command line (services/organisations.py); the
OpenAPI description is organisations_spec.py.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import members
from exchange import organisations as rules
from instance.city import city_of
from models import Member, OrganisationRequest, OrganisationRequestState
from services import organisations as cases

from .auth import authenticated
from .errors import ApiError
from .params import field, json_body
from .reports import moderator

STATES = ("requested", "approved", "declined", "withdrawn", "revoked", "all")


def render_request(row: OrganisationRequest, member: Member) -> dict[str, Any]:
    return {
        "id": row.public_id,
        "account": member.username,
        "kind": row.kind.value,
        "presentation": row.presentation,
        "website": row.website or None,
        "state": row.state.value,
        "reason": row.reason or None,
        "created_at": row.created_at.isoformat(),
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
    }


def _mine(session: Session, member: Member) -> dict[str, Any]:
    fresh = members.get_member(session, member.username)
    row = rules.latest(session, fresh)
    return {
        "organisation": fresh.is_organisation,
        "organisation_since": (
            fresh.organisation_since.isoformat() if fresh.organisation_since else None
        ),
        "request": render_request(row, fresh) if row is not None else None,
    }


async def show_mine(request: Request) -> Response:
    caller = await authenticated(request)
    return JSONResponse(await city_of(request).db.read(lambda s: _mine(s, caller)))


async def ask(request: Request) -> Response:
    caller = await authenticated(request)
    body = await json_body(request, {"kind", "presentation", "website"})
    kind = field(body, "kind", str)
    presentation = field(body, "presentation", str)
    website = field(body, "website", str, required=False) or ""

    def write(session: Session) -> dict[str, Any]:
        member = members.get_member(session, caller.username)
        return render_request(cases.ask(session, member, kind, presentation, website), member)

    return JSONResponse(await city_of(request).db.write(write), status_code=201)


async def withdraw(request: Request) -> Response:
    caller = await authenticated(request)

    def write(session: Session) -> dict[str, Any]:
        member = members.get_member(session, caller.username)
        return render_request(cases.withdraw(session, member), member)

    return JSONResponse(await city_of(request).db.write(write))


async def list_requests(request: Request) -> Response:
    await moderator(request)
    wanted = request.query_params.get("state", "requested")
    if wanted not in STATES:
        raise ApiError(400, "invalid_parameter", "state must be one of " + ", ".join(STATES))
    state = None if wanted == "all" else OrganisationRequestState(wanted)

    def read(session: Session) -> list[dict[str, Any]]:
        return [render_request(row, member) for row, member in rules.listed(session, state)]

    return JSONResponse({"requests": await city_of(request).db.read(read)})


def _answer(approving: bool) -> Any:
    async def answer(request: Request) -> Response:
        caller = await moderator(request)
        body = await json_body(request, {"reason"}, empty=True)
        reason = field(body, "reason", str, required=not approving) or ""
        city = city_of(request)
        public_id = request.path_params["id"]

        def write(session: Session) -> dict[str, Any]:
            if approving:
                row = cases.approve(session, city, public_id, caller, reason)
            else:
                row = cases.decline(session, city, public_id, caller, reason)
            return render_request(row, rules.member_of(session, row))

        return JSONResponse(await city.db.write(write))

    return answer


async def revoke(request: Request) -> Response:
    caller = await moderator(request)
    body = await json_body(request, {"account", "reason"})
    account = field(body, "account", str)
    reason = field(body, "reason", str)
    city = city_of(request)

    def write(session: Session) -> dict[str, Any]:
        member = cases.revoke(session, city, account.removeprefix("@"), caller, reason)
        return {"account": member.username, "organisation": member.is_organisation}

    return JSONResponse(await city.db.write(write))


ROUTES = [
    Route("/account/organisation", show_mine, methods=["GET"]),
    Route("/account/organisation", ask, methods=["POST"]),
    Route("/account/organisation/withdraw", withdraw, methods=["POST"]),
    Route("/admin/organisations", list_requests, methods=["GET"]),
    Route("/admin/organisations/revoke", revoke, methods=["POST"]),
    Route("/admin/organisations/{id}/approve", _answer(True), methods=["POST"]),
    Route("/admin/organisations/{id}/decline", _answer(False), methods=["POST"]),
]
