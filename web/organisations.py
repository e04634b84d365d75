"""Organisation pages: a member asks for their account to be recognised as an organisation
(/account/organisation); moderators and admins answer the requests and revoke recognitions
(/admin/organisations).

The same use cases as the API and the command line (services/organisations.py). Forms go
through `checked_form` (CSRF); a refusal draws the page again with its message beside the form
and what was typed, with the refusal's status.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from exchange import members
from exchange import organisations as rules
from exchange.errors import DomainError
from instance.city import city_of
from instance.i18n import gettext as _
from models import Member, OrganisationKind
from services import organisations as cases

from .admin_domains import staff
from .csrf import checked_form
from .labels import N_
from .market import signed_in
from .pages import render
from .refusal import NONE, Refusal, refusal

#: which field of the request form each refusal is about
ASK_FIELDS = {
    "invalid_kind": "kind",
    "missing_presentation": "presentation",
    "too_long": "presentation",
    "invalid_website": "website",
}

#: a moderator's answers to a request
ANSWERS = ("approve", "decline")

#: the kinds as the form names them
KIND_LABELS = {
    OrganisationKind.association.value: N_("An association"),
    OrganisationKind.workshop.value: N_("A workshop"),
    OrganisationKind.startup.value: N_("A start-up"),
    OrganisationKind.other.value: N_("Another kind of organisation"),
}


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


async def mine_page(request: Request, refused: Refusal = NONE) -> Response:
    who = await signed_in(request)

    def read(session: Session) -> dict[str, Any]:
        member = members.get_member(session, who.username)
        return {"member": member, "latest": rules.latest(session, member)}

    context = await city_of(request).db.read(read)
    return await render(
        request,
        "account_organisation.html",
        refused.status,
        refused=refused,
        kinds=KIND_LABELS,
        message=request.query_params.get("message", ""),
        **context,
    )


async def ask(request: Request) -> Response:
    who = await signed_in(request)
    form = await checked_form(request)

    def write(session: Session) -> None:
        member = members.get_member(session, who.username)
        cases.ask(
            session,
            member,
            _text(form, "kind"),
            _text(form, "presentation"),
            _text(form, "website"),
        )

    try:
        await city_of(request).db.write(write)
    except DomainError as exc:
        return await mine_page(request, refusal("ask", form, exc, ASK_FIELDS))
    message = _("Your request was sent to the moderators.")
    return RedirectResponse("/account/organisation?message=" + quote(message), 303)


async def withdraw(request: Request) -> Response:
    who = await signed_in(request)
    form = await checked_form(request)

    def write(session: Session) -> None:
        cases.withdraw(session, members.get_member(session, who.username))

    try:
        await city_of(request).db.write(write)
    except DomainError as exc:
        return await mine_page(request, refusal("withdraw", form, exc))
    message = _("Your request was withdrawn.")
    return RedirectResponse("/account/organisation?message=" + quote(message), 303)


async def queue_page(request: Request, refused: Refusal = NONE) -> Response:
    member = await staff(request, admin_only=False)

    def read(session: Session) -> dict[str, Any]:
        return {"waiting": rules.listed(session), "organisations": rules.recognised(session)}

    context = await city_of(request).db.read(read)
    # the forms on the page: a refusal of one that is gone (a request withdrawn meanwhile)
    # is shown at the top instead of beside it
    forms = {
        f"{action}:{row.public_id}" for row, _asker in context["waiting"] for action in ANSWERS
    }
    forms |= {f"revoke:{org.username}" for org in context["organisations"]}
    return await render(
        request,
        "admin/organisations.html",
        refused.status,
        member=member,
        refused=refused,
        kinds=KIND_LABELS,
        message=request.query_params.get("message", ""),
        forms=forms,
        **context,
    )


async def answer(request: Request) -> Response:
    moderator = await staff(request, admin_only=False)
    form = await checked_form(request)
    city = city_of(request)
    public_id, action = request.path_params["id"], request.path_params["action"]
    reason = _text(form, "reason")

    def write(session: Session) -> str:
        if action == "approve":
            row = cases.approve(session, city, public_id, moderator, reason)
            said = _("@%(name)s is now an organisation.")
        elif action == "decline":
            row = cases.decline(session, city, public_id, moderator, reason)
            said = _("The request of @%(name)s was declined.")
        else:
            raise DomainError("not_found", "no such action", 404)
        return said % {"name": rules.member_of(session, row).username}

    try:
        message = await city.db.write(write)
    except DomainError as exc:
        return await queue_page(request, refusal(f"{action}:{public_id}", form, exc))
    return RedirectResponse("/admin/organisations?message=" + quote(message), 303)


async def revoke(request: Request) -> Response:
    moderator = await staff(request, admin_only=False)
    form = await checked_form(request)
    city = city_of(request)
    name = _text(form, "account")

    def write(session: Session) -> Member:
        return cases.revoke(session, city, name, moderator, _text(form, "reason"))

    try:
        done = await city.db.write(write)
    except DomainError as exc:
        return await queue_page(request, refusal(f"revoke:{name}", form, exc))
    message = _("@%(name)s is a person's account again.") % {"name": done.username}
    return RedirectResponse("/admin/organisations?message=" + quote(message), 303)


def routes() -> list[BaseRoute]:
    return [
        Route("/account/organisation", mine_page, methods=["GET"]),
        Route("/account/organisation", ask, methods=["POST"]),
        Route("/account/organisation/withdraw", withdraw, methods=["POST"]),
        Route("/admin/organisations", queue_page, methods=["GET"]),
        Route("/admin/organisations/revoke", revoke, methods=["POST"]),
        Route("/admin/organisations/{id}/{action}", answer, methods=["POST"]),
    ]
