"""Remote accounts a moderator suspended, over JSON: list them, suspend one, lift it.

A moderator's (or an admin's) token. A suspension of one remote account refuses and hides
it and deletes nothing (exchange/domain_purge.suspend_account), so it can be lifted. The
same functions as the CLI (`comptoir users suspend|unsuspend name@host`) and the admin page
(`/admin/remote-accounts`); described in `remote_accounts_spec.SECTION`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from instance.city import city_of
from models import RemoteActor
from outbox import render
from services import moderation

from .params import field, json_body
from .reports import moderator


def render_account(actor: RemoteActor) -> dict[str, Any]:
    return {
        "account": f"@{actor.handle}",
        "actor": actor.uri,
        "suspended_at": render.iso(actor.suspended_at) if actor.suspended_at else None,
    }


async def list_suspended(request: Request) -> Response:
    await moderator(request)
    found = await city_of(request).db.read(
        lambda s: [render_account(a) for a in moderation.suspended_remote(s)]
    )
    return JSONResponse(found)


async def _change(request: Request, *, suspend: bool) -> Response:
    caller = await moderator(request)
    body = await json_body(request, {"account", "reason"})
    account = field(body, "account", str)
    reason = field(body, "reason", str, required=False) or ""
    city = city_of(request)

    def write(session: Session) -> dict[str, Any]:
        if suspend:
            moderation.suspend_remote(session, account, caller, reason)
            actor = moderation.remote_account(session, account)
        else:
            actor = moderation.unsuspend_remote(session, account, caller, reason)
        return render_account(actor)

    answer = await city.db.write(write)
    city.fediverse.policy.invalidate()
    return JSONResponse(answer)


async def suspend(request: Request) -> Response:
    return await _change(request, suspend=True)


async def unsuspend(request: Request) -> Response:
    return await _change(request, suspend=False)


ROUTES = [
    Route("/admin/remote-accounts", list_suspended, methods=["GET"]),
    Route("/admin/remote-accounts/suspend", suspend, methods=["POST"]),
    Route("/admin/remote-accounts/unsuspend", unsuspend, methods=["POST"]),
]
